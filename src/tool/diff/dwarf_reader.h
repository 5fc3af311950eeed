// Reads what the diff needs from a linked binary's DWARF (libdw): each compilation unit's
// producer, the program's named types, and the types of its functions and variables.
// The binary's DWARF is fully relocated, so no relocation of .debug_* is needed here.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/expected.h"
#include "tool/diff/type_model.h"

namespace hotswap::diff {

struct DwarfFunction {
  std::string unit;                    // the compilation unit's DW_AT_name (the TU's source)
  std::string name;                    // DW_AT_name, through abstract origins
  std::string linkage_name;            // DW_AT_linkage_name, "" for C names
  std::vector<std::uint64_t> entries;  // low_pc, or the start of each range
  int return_type = -1;
  std::vector<std::pair<std::string, int>> parameters;  // name, type
  std::set<std::string> types_used;    // named types of parameters, locals, inlined callees
};

struct DwarfVariable {
  std::string unit;
  std::string name;
  std::string linkage_name;
  std::uint64_t address = 0;
  int type = -1;
};

struct DwarfInfo {
  TypeTable types;
  std::map<std::string, std::string> producers;  // unit name -> DW_AT_producer
  std::map<std::string, int> named_types;        // qualified name -> complete definition
  // Names given to definitions that differ (GCC names A<5> and A<5L> both "A<5>"): a type
  // of such a name cannot be told apart from the other.
  std::set<std::string> ambiguous_types;
  std::vector<DwarfFunction> functions;
  std::vector<DwarfVariable> variables;
};

// Reads the binary's DWARF. Only the units named in `units` (the program's own translation
// units) are read in full; every unit's producer is recorded.
Expected<DwarfInfo> read_dwarf(const std::string& binary, const std::set<std::string>& units);

}  // namespace hotswap::diff
