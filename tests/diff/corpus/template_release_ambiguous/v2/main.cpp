#include <cstdio>
#include "pick.h"
app::Pick<5L> g_pick;
__attribute__((noinline)) int touch(int n) { return g_pick.uses += n; }
int main() { std::printf("%d\n", touch(3)); }
