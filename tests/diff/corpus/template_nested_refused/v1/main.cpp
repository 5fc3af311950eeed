#include <cstdio>
#include "box.h"
app::Box<int> g_box;
app::Holder g_holder;
__attribute__((noinline)) int touch(int n) {
  g_box.node.first += n;
  g_holder.node.first += n;
  return g_box.node.first + g_holder.node.second;
}
int main() { std::printf("%d\n", touch(3)); }
