#include <cstdio>

__attribute__((noinline)) int twice(long x) { return static_cast<int>(2 * x); }
int (*g_scale)(long) = &twice;
__attribute__((noinline)) int touch(int n) { return g_scale(n); }
int main() { std::printf("%d\n", touch(3)); }
