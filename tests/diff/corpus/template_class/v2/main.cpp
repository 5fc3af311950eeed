// Instances of the program's class templates, held by value, in a container, and as a
// template argument of another instance.
#include <cstdio>
#include "box.h"
app::Box<int> g_count;
std::vector<app::Box<app::Item>> g_items;
app::Ring<app::Box<int>, 4> g_ring;
__attribute__((noinline)) int use(int id) {
  ++g_count.uses;
  g_count.value += id;
  g_items.push_back({{id, "item"}, 1});
  g_ring.slots[g_ring.head++ % 4] = g_count;
  return g_count.value;
}
int main() { std::printf("%d\n", use(3)); }
