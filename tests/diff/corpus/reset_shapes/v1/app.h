#pragma once
// Classes that hold a std::unordered_map keyed by a changed class, in each place a class can
// hold one: through a base, beside a const and a reference member, nested in a class, in
// an instance of a class template. The transform unit has no std::hash for the old key (the
// library's is disabled), so none of their old layouts has a default constructor there: each
// gets a hotswap_reset overload that empties it member by member and base by base, skipping
// the reference (resetting it would reset what it refers to).
#include <cstddef>
#include <functional>
#include <unordered_map>
namespace app {
struct Sku {
  int id = 0;
  bool operator==(const Sku& other) const { return id == other.id; }
};
}  // namespace app
template <>
struct std::hash<app::Sku> {
  std::size_t operator()(const app::Sku& s) const noexcept { return static_cast<std::size_t>(s.id); }
};
namespace app {
using Counts = std::unordered_map<Sku, long>;
struct Base {
  Counts counts;
};
struct Derived : Base {
  int extra = 1;
};
struct Holder {
  const Counts fixed;
  long& total;
  Counts live;
};
struct Outer {
  struct Inner {
    Counts counts;
  };
  Inner inner;
  int tag = 2;
};
// A class with a destructor of its own beside a reference: a failed migration's instance is
// given up (hotswap_abandon), not destroyed, and cannot be built anew either.
struct Socket {
  int fd = -1;
  ~Socket() { fd = -1; }
};
struct Wired {
  long& total;
  Socket socket;
  Counts counts;
};
// A base that is not a POD (its members have initializers): the class puts `extra` in the
// base's tail padding. Building the base anew as a whole object would write over it.
struct Tail {
  long id = 0;
  char tag = 0;
};
struct Tailed : Tail {
  char extra = 7;
  long& total;
  Counts counts;
};
template <class K>
struct Box {
  std::unordered_map<K, long> counts;
};
}  // namespace app
