#pragma once

namespace app {
template <bool On>
struct Flag {
  int hits = 0;
};
template <int N>
struct Sized {
  char bytes[N]{};
};
template <char C>
struct Tagged {
  long count = 0;
};
template <class T, int N>
struct Mixed {
  T items[N]{};
};
}  // namespace app
