// A class whose virtual functions come from a base that does not change: the hierarchy is
// not all declared as plain structs in hotswap_old, so diff refuses.
#pragma once
#include <string>
struct Base {
  virtual ~Base() = default;
  virtual std::string name() const { return "base"; }
  int id = 1;
};
struct Circle : Base {
  long r = 2;
  long rim = 3;
};
