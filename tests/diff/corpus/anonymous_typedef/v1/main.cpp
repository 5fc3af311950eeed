#include <cstdio>
#include "holder.h"
Holder g_holder;
__attribute__((noinline)) int touch(int n) { return g_holder.count += n + g_holder.impl.a; }
int main() { std::printf("%d\n", touch(3)); }
