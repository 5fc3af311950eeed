#pragma once

namespace app {
template <bool On>
struct Flag {
  int hits = 0;
  int added = 0;  // new
};
template <int N>
struct Sized {
  char bytes[N]{};
  int added = 0;  // new
};
template <char C>
struct Tagged {
  long count = 0;
  int added = 0;  // new
};
template <class T, int N>
struct Mixed {
  T items[N]{};
  int added = 0;  // new
};
}  // namespace app
