// Generates transform.cpp (DESIGN §7): the old and new layouts of every changed type as
// self-contained declarations read from DWARF, a default transformer per changed type and
// per retyped datum, and a stub skeleton per changed signature. The file compiles as is.
#pragma once

#include <string>

#include "tool/diff/diff_engine.h"

namespace hotswap::diff {

// The symbols the patch's manifest names and `--transform` must define.
std::string transformer_symbol(const std::string& type_name);
std::string data_transformer_symbol(const SymbolRef& datum);
// Their inverses, which revert runs (optional: without them a patch cannot be reverted).
std::string inverse_symbol(const std::string& type_name);
std::string data_inverse_symbol(const SymbolRef& datum);
std::string stub_symbol(const SymbolRef& old_function);

std::string generate_transform_source(const DiffResult& result);

}  // namespace hotswap::diff
