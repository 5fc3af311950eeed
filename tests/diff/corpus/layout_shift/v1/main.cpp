#include <cstdio>
int g_count = 1;
static const char* name() { return "layout"; }
__attribute__((noinline)) int report(int x) { std::printf("%s: %d of %d\n", name(), x, g_count); return x; }
int main(int argc, char**) { return report(argc) == 99; }
