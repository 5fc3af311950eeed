#pragma once
#include <map>
#include <string>
#include <vector>

namespace app {
// Class templates of the program whose instances change: the old layouts are explicit
// specializations of a template of the same name, with the same kinds of parameters.
template <class T>
struct Box {
  T value{};
  int uses = 0;
  long stamp = 0;  // new
};

template <class K, int N>
struct Ring {
  K slots[N]{};
  int head = 0;
  long stamp = 0;  // new
};

struct Item {
  int id = 0;
  std::string name;
};
}  // namespace app
