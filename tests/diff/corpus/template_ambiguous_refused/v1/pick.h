#pragma once
namespace app {
// GCC names Pick<5> (an int) and Pick<5L> (a long) both "app::Pick<5>" in DWARF: two
// layouts under one name, which no transform file can tell apart.
template <auto V>
struct Pick {
  decltype(V) value = V;
  int uses = 0;
};
}  // namespace app
