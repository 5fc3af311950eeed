// Spelling DWARF types back as C++ (for reasons people read and for generated transform.cpp).
#pragma once

#include <string>

#include "tool/diff/type_model.h"

namespace hotswap::diff {

// "const char*", "Session", "int[4]", "void (*)(int)".
std::string spell_type(const TypeTable& table, int id);

// A declaration of `name` with type `id`: "int counts[4]", "void (*on_close)(int)".
std::string declare(const TypeTable& table, int id, const std::string& name);

// True if the type can be spelled so that a compiler accepts it without the program's
// headers: built-in types, pointers (to anything: spelled as pointers to void where needed),
// enums by their underlying type, arrays of such, and the standard library's types.
bool spellable_without_headers(const TypeTable& table, int id);

}  // namespace hotswap::diff
