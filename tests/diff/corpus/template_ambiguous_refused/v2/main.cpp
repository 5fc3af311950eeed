#include <cstdio>
#include "pick.h"
app::Pick<5> g_int;
app::Pick<5L> g_long;
__attribute__((noinline)) int touch(int n) {
  g_int.uses += n;
  g_long.uses += 2 * n;
  return g_int.uses + g_long.uses;
}
int main() { std::printf("%d\n", touch(3)); }
