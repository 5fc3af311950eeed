#pragma once
// A map hashed by a key that changes. The program's hash is noexcept, so libstdc++ keeps no
// hash code in its nodes: a hash the transform file writes for the old key must be noexcept
// too, or its nodes would carry one the running code frees them without.
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
  std::size_t operator()(const app::Key& k) const noexcept { return static_cast<std::size_t>(k.id); }
};
