// A registry in the program's data holds the address of a global whose type prints the same
// in both releases but holds a changed class: it moves like a retyped one, and the registry
// would keep pointing at the old instance. Refused, naming the holder.
#include <cstdio>
#include <vector>
struct Item {
  int a = 1;
  long b = 2;
};
std::vector<Item> g_items;
void* g_registry[1] = {&g_items};
__attribute__((noinline)) int touch(int n) {
  static_cast<std::vector<Item>*>(g_registry[0])->push_back({n});
  return static_cast<int>(g_items.size());
}
int main() { std::printf("%d\n", touch(3)); }
