#include <cstdio>
#include <vector>
// A class declared inside a function holds the state of a static there: no file outside the
// function can name it, so the static cannot be migrated when the class changes.
__attribute__((noinline)) int touch(int n) {
  struct Entry {
    int hits = 0;
  };
  static std::vector<Entry> entries(4);
  return entries[static_cast<unsigned>(n) % 4].hits += n;
}
int main() { std::printf("%d\n", touch(3)); }
