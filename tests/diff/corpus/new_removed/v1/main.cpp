#include <cstdio>
int g_old = 4;
int g_kept = 1;
__attribute__((noinline)) int old_feature(int x) { return x + g_old; }
int main(int argc, char**) { std::printf("%d\n", old_feature(argc) + g_kept); }
