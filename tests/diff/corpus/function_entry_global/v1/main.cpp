// A global function pointer retyped (int) -> (long): the function it holds would be called
// with its argument where the new type puts it, not where the function reads it. Refused by
// name; nothing in a transform file could make the old entry callable the new way.
#include <cstdio>

__attribute__((noinline)) int twice(int x) { return 2 * x; }
int (*g_scale)(int) = &twice;
__attribute__((noinline)) int touch(int n) { return g_scale(n); }
int main() { std::printf("%d\n", touch(3)); }
