// What a symbol's name says about its relation to other symbols: the parts and clones GCC
// and Clang split a function into, and the numbering of function-static variables.
#pragma once

#include <string>

#include "common/symbol_index.h"  // demangle

namespace hotswap {

// The function a compiler-made part or clone belongs to: "f.cold", "f.part.0",
// "f.constprop.1", "f.isra.0", "f.localalias" and chains of them ("f.isra.0.cold") all
// belong to "f". Returns "" for a name that is not a part.
std::string parent_function(const std::string& name);

// True if the part is a fragment that is only jumped into from its parent (".cold"), not a
// function with an entry of its own that may be called and redirected.
bool is_fragment(const std::string& name);

// The function a fragment belongs to: "f.part.0.cold" -> "f.part.0". "" if not a fragment.
std::string fragment_owner(const std::string& name);

// A function-static's name without the number that tells same-named statics apart:
// "_ZZ4tickvE1n_0" -> "_ZZ4tickvE1n", "count.2" -> "count". Returns the name unchanged
// when it carries no such number.
std::string unnumbered_static(const std::string& name);


// The demangled name without its parameter list: "ns::f(int, long) const" -> "ns::f".
std::string demangled_base(const std::string& name);

}  // namespace hotswap
