// Generates transform.cpp (DESIGN §7, docs/type-updates.md): the program's headers for the
// new types, the old layouts in namespace hotswap_old, one hotswap_transform overload per
// changed class and direction, and a stub skeleton per changed signature.
#pragma once

#include <set>
#include <string>
#include <vector>

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

// The changed types the transform file declares in hotswap_old, each with an old layout and
// overloads: the program's own classes and the instances of its class templates
// (declared_in_transform), less those named below.
std::set<std::string> declared_types(const DiffResult& result);

// The program's changed types the file does not declare (not the standard library's, which
// are spelled from the program's): an old layout must hold them as bytes.
std::set<std::string> undeclared_types(const DiffResult& result);

// The changed types of the program the file would have to declare and cannot, each with
// why ("app::Box<int>::Node: a class nested in an instance of a class template"). Writing
// the file without them would leave old layouts reading old bytes through the new type:
// `hotswap diff` refuses instead.
std::vector<std::string> undeclarable_types(const DiffResult& result);

}  // namespace hotswap::diff
