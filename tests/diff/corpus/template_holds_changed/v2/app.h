#pragma once
#include <vector>
namespace app {
struct Item {
  int a = 1; int b = 2;
};
// An instance of the program's class template that did not change itself, but holds a
// changed class through a container: it gets an old layout (a specialization) and
// transformers like any class that reaches a changed one.
template <class T>
struct Box {
  T tag{};
  std::vector<Item> items;
};
}  // namespace app
