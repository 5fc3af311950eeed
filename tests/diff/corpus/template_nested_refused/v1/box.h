#pragma once
namespace app {
// A class nested in a class template changes: the transform file cannot declare the old
// layout of Box<int>::Node, so holders of it would read old bytes through the new type.
template <class T>
struct Box {
  struct Node {
      int first = 1;
      int second = 2;
  };
  Node node;
  T value{};
};
struct Holder {
  Box<int>::Node node;
  int count = 0;
};
}  // namespace app
