#pragma once
#include <string>
#include <vector>

namespace app {
// A class whose nested class changes with it: the old layouts nest as the classes do.
class Session {
 public:
  struct Line {
    int number = 0;
    long bytes = 0;  // new
    std::string text;
  };
  int id = 0;
  std::vector<Line> lines;
  Line last;
};
// A class that does not change, holding a nested one that does: the old layout needs a
// scope of the enclosing class's name, with nothing else in it.
struct Registry {
  struct Entry {
    int key = 0;
    int weight = 1;  // new
  };
  static int capacity() { return 8; }
};
}  // namespace app
