// Object-level comparison of two releases: each translation unit's new object against its
// old one (paired by source name), symbol by symbol, on normalized code and data.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/manifest.h"

namespace hotswap::diff {

enum class ChangeKind { kChanged, kNew, kRemoved };

struct FunctionChange {
  SymbolRef symbol;
  ChangeKind kind = ChangeKind::kChanged;
  std::string unit;    // the translation unit (STT_FILE name) defining it
  std::string reason;  // why, for people
  // A fragment (".cold") only ever entered from its parent: it must come from the patch
  // with its parent, but has no entry of its own to redirect.
  bool fragment = false;
};

struct DataChange {
  enum class Kind { kNew, kRemoved, kChanged, kRenumbered };
  SymbolRef symbol;  // the new release's name (the old one for kRemoved)
  Kind kind = Kind::kChanged;
  std::string unit;
  std::string reason;
  bool writable = false;
  SymbolRef bind_to;  // kRenumbered: the old release's name of the same datum
};

// One translation unit of each release; either object may be missing (a unit added or
// removed between the releases).
struct UnitPair {
  std::string unit;
  const ElfFile* old_object = nullptr;
  const ElfFile* new_object = nullptr;
};

struct ObjectComparison {
  std::vector<FunctionChange> functions;
  std::vector<DataChange> data;
  // For each datum (identity display name), the functions of the new release that refer to it.
  std::map<std::string, std::set<std::string>> data_users;
  // For each function (identity display name), the functions of the new release that call
  // or jump to it; and the functions whose address is taken (referred to otherwise: a
  // pointer made in code or stored in data), which old pointers may still call.
  std::map<std::string, std::set<std::string>> callers;
  std::set<std::string> address_taken;
  // Function identity display name -> its symbol and unit, for every function of the new
  // release's objects (to add functions that touch changed types).
  std::map<std::string, std::pair<SymbolRef, std::string>> new_functions;
};

// Compares all units. `old_binary` and `new_binary` decide whether a symbol absent from one
// side's objects is really absent from that release (a COMDAT copy may live in another unit).
ObjectComparison compare_units(const std::vector<UnitPair>& units, const ElfFile& old_binary,
                               const ElfFile& new_binary);

// True for symbols the comparison treats as functions / as data.
bool is_function_symbol(const ElfSymbol& symbol);
bool is_data_symbol(const ElfSymbol& symbol);

}  // namespace hotswap::diff
