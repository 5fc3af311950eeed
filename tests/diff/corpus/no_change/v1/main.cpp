#include <cstdio>
int g_total = 0;
int add(int x) { g_total += x; return g_total; }
int main() { std::printf("%d\n", add(2) + add(3)); }
