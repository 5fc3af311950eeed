#include <cstdio>
int g_limit = 10;
__attribute__((noinline)) int get_limit() { return g_limit; }
int main() { std::printf("%d\n", get_limit()); }
