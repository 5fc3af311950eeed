#include <cstdio>
long g_limit = 10;
__attribute__((noinline)) int get_limit() { return static_cast<int>(g_limit); }
int main() { std::printf("%d\n", get_limit()); }
