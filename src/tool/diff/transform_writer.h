// Generates transform.cpp (DESIGN §7, docs/type-updates.md): the program's headers for the
// new types, the old layouts in namespace hotswap_old, one hotswap_transform overload per
// changed class and direction, and a stub skeleton per changed signature.
#pragma once

#include <string>

#include "tool/diff/diff_engine.h"

namespace hotswap::diff {

// The entry points the transform unit defines for one migrated datum (docs/patch-format.md,
// "migrations"): the runtime finds `note` by replacing the transformer's prefix.
struct DatumSymbols {
  std::string forward, inverse, discard, has_inverse, note;
};
DatumSymbols datum_symbols(const SymbolRef& datum);

// The stub a changed signature needs.
std::string stub_symbol(const SymbolRef& old_function);

std::string generate_transform_source(const DiffResult& result);

}  // namespace hotswap::diff
