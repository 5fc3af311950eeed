#include <cstdio>
int g_new = 9;
int g_kept = 1;
__attribute__((noinline)) int new_feature(int x) { return x * g_new; }
int main(int argc, char**) { std::printf("%d\n", new_feature(argc) + g_kept); }
