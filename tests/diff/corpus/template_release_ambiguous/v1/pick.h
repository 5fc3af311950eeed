#pragma once
namespace app {
// GCC names Pick<5> (an int) and Pick<5L> (a long) both "app::Pick<5>" in DWARF. v1 holds
// the one, v2 the other: each release alone is unambiguous, the pair is not.
template <auto V>
struct Pick {
  decltype(V) value = V;
  int uses = 0;
};
}  // namespace app
