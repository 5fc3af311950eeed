#pragma once
namespace app {
enum Color { Red, Green };
struct Out {
  enum Side { X, Y };
};
// Clang names these instances Box<app::Green> and Slot<app::Out::Y>: the arguments read
// like types and are enumerators.
template <Color C>
struct Box {
  int value = C;
};
template <Out::Side N>
struct Slot {
  int value = N;
};
}  // namespace app
