#pragma once
// A map hashed by a key that changes. The program's hash may throw (it is not noexcept), so
// libstdc++ keeps each node's hash code after its value: a hash the transform file writes
// for the old key must not be noexcept, or its nodes would lack that code.
#include <cstddef>
#include <functional>
namespace app {
struct Key {
  int id = 0;
  bool operator==(const Key& other) const { return id == other.id; }
};
}  // namespace app
template <>
struct std::hash<app::Key> {
  std::size_t operator()(const app::Key& k) const { return static_cast<std::size_t>(k.id); }
};
