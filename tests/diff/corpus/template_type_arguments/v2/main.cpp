#include <cstdio>

#include "box.h"
app::Box<app::UserTag> g_tagged;
app::Box<double> g_double_tag;
app::Box<char16_t> g_char16_tag;
app::Cell<app::u32> g_u32;
__attribute__((noinline)) int touch() {
  return g_tagged.n + g_double_tag.n + g_char16_tag.n + static_cast<int>(g_u32.v);
}
int main() { std::printf("%d\n", touch()); }
