// `hotswap diff`'s decision, without any output: loads two releases (build record, binary,
// objects, DWARF), refuses incomparable ones, and classifies every function, datum and type.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/expected.h"
#include "tool/build_record.h"
#include "tool/diff/dwarf_reader.h"
#include "tool/diff/object_diff.h"
#include "tool/diff/type_diff.h"

namespace hotswap::diff {

// One release as the diff sees it. Not movable once loaded: comparisons point into it.
struct Release {
  BuildRecord record;
  std::unique_ptr<ElfFile> binary;
  std::vector<std::unique_ptr<ElfFile>> objects;  // by record.objects index
  DwarfInfo dwarf;
};

struct DiffResult {
  std::unique_ptr<Release> old_release, new_release;
  ObjectComparison objects;
  TypeComparison types;
  // Every function the patch carries as changed or new, or that the new release lost,
  // with all reasons; type users merged in.
  std::vector<FunctionChange> functions;
  std::vector<std::string> carried_units;  // translation units whose objects go in the patch
};

Expected<DiffResult> compute_diff(const std::string& old_binary, const std::string& new_binary);

// The classification as sorted lines ("changed-function main.cpp:_ZL6helperv"), what the
// corpus expectations pin.
std::vector<std::string> classification_lines(const DiffResult& result);

}  // namespace hotswap::diff
