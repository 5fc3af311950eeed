// A class template's instance whose argument DWARF spells with "..." (a variadic function
// type), which the transform file cannot write back: refused by name, never left out.
#include <cstdio>
#include "holder.h"
app::Holder<int (*)(const char*, ...)> g_holder{&std::printf};
__attribute__((noinline)) int touch(int n) { return g_holder.count += n; }
int main() { std::printf("%d\n", touch(3)); }
