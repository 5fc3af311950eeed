#include <cstdio>
int g_added[16] = {1, 2, 3};
int g_count = 1;
int added(int x) { std::printf("a new literal that moves the others %d\n", x + g_added[x & 15]); return x; }
static const char* name() { return "layout"; }
__attribute__((noinline)) int report(int x) { std::printf("%s: %d of %d\n", name(), x, g_count); return x; }
int main(int argc, char**) { return report(argc) == 99; }
