#pragma once
// A map hashed by a hasher of the program's own that calls whatever hash_value the key's
// namespace declares (found by argument-dependent lookup). The program's hash_value may
// throw, so its nodes keep their hash code. A hash_value the transform file declares for the
// old key makes the hasher callable there: it must not be noexcept either.
#include <cstddef>
#include <utility>
namespace app {
struct Key {
  int id = 0;
  bool operator==(const Key& other) const { return id == other.id; }
};
inline std::size_t hash_value(const Key& k) { return static_cast<std::size_t>(k.id); }
struct AnyHash {
  template <class K, class = decltype(hash_value(std::declval<const K&>()))>
  std::size_t operator()(const K& k) const noexcept(noexcept(hash_value(k))) {
    return hash_value(k);
  }
};
}  // namespace app
