#include <cstdio>
static inline int helper(int x) { return x * 2 + 1; }
__attribute__((noinline)) int caller(int x) { return helper(x) + 10; }
__attribute__((noinline)) int bystander(int x) { return x + 10; }
int main(int argc, char**) { std::printf("%d %d\n", caller(argc), bystander(argc)); }
