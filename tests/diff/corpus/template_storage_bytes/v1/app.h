#pragma once
// A pool keeps its T as bytes that no member names as T: copied across a change of T's
// layout they would keep the old one, so the generated transformer refuses them ("TODO")
// and carries the rest.
#include <array>
#include <new>
#include <type_traits>
namespace app {
struct Item {
  int a = 1;
};
template <class T, int N>
struct Pool {
  alignas(T) unsigned char storage[N * sizeof(T)];
  std::aligned_storage_t<sizeof(T), alignof(T)> spare[2];  // bytes too, in a class of their own
  alignas(T) char raw[2 * sizeof(T)];  // plain chars, but aligned for T: storage
  unsigned char slab[sizeof(T)];  // bytes without an alignas, a whole T's worth: storage
  std::array<unsigned char, 20> digest{};  // bytes, but no whole number of T: a value, carried
  char tag[8] = "pool";  // characters, not storage: carried
  int used = 0;
  T* add() { return ::new (storage + used++ * sizeof(T)) T(); }
  T& at(int i) { return *reinterpret_cast<T*>(storage + i * sizeof(T)); }
};
}  // namespace app
