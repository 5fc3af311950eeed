#include <cstdio>
__attribute__((noinline)) int compute(int x) { return x * 3 + 1; }
int unchanged(int x) { return x - 7; }
int main(int argc, char**) { std::printf("%d %d\n", compute(argc), unchanged(argc)); }
