#pragma once
namespace app {
// Instances whose arguments are types DWARF describes nowhere else (a tag only declared, a
// fundamental type no member has): DWARF says they are type parameters, so the transform
// file declares them.
struct Foo {
  int x = 0;
};
struct UserTag;  // a phantom tag: never defined
using u32 = unsigned int;
template <class T>
struct Box {  // T only tags the type
  int n = 0;
};
template <class T>
struct Cell {
  T v{};
  int n = 0;
};
}  // namespace app
