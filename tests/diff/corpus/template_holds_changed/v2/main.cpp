#include <cstdio>

#include "app.h"
app::Box<int> g_box;
__attribute__((noinline)) int touch(int n) {
  g_box.items.push_back({n});
  return static_cast<int>(g_box.items.size()) + g_box.tag;
}
int main() { std::printf("%d\n", touch(3)); }
