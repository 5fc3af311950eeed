// Instances of the program's class templates whose arguments are values of several kinds:
// the old layouts are specializations of templates declared with auto parameters, the
// values written as the compiler names them (built with GCC and Clang).
#include <cstdio>
#include "values.h"
app::Flag<true> g_flag;
app::Sized<16> g_sized;
app::Tagged<'x'> g_tagged;
app::Mixed<int, -2 + 5> g_mixed;
__attribute__((noinline)) int touch(int n) {
  g_flag.hits += n;
  g_sized.bytes[n % 16] = 1;
  g_tagged.count += n;
  g_mixed.items[n % 3] = n;
  return g_flag.hits;
}
int main() { std::printf("%d\n", touch(2)); }
