// The unit `hotswap diff --transform FILE` compiles into the patch: the transform file, then
// <hotswap/transform_impl.h>, then one entry point per migrated datum (docs/patch-format.md,
// "migrations"), with the two types spelled from DWARF: the old one in hotswap_old.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"
#include "tool/diff/diff_engine.h"
#include "tool/diff/transform_writer.h"

namespace hotswap::diff {

struct GlueRoot {
  const DataTypeChange* datum = nullptr;
  std::string old_type, new_type;  // as the unit spells them
  DatumSymbols symbols;             // what the unit defines for it
};

struct Glue {
  std::string source;
  std::vector<GlueRoot> roots;
};

// The data a patch migrates: retyped or reaching a changed type, and writable.
std::vector<const DataTypeChange*> migrated_data(const DiffResult& r);

Expected<Glue> make_glue(const DiffResult& r, const std::string& transform_file);

}  // namespace hotswap::diff
