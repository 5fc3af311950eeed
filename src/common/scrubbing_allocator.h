// An allocator that zeroes memory before giving it back to malloc (a vector's growth
// included).
//
// The runtime's reclamation scan (runtime/reclaim.h) is conservative: any word of the heap
// that points into a reverted patch keeps it mapped, free blocks included. A block freed
// with a patch's address in it, or one whose next owner leaves part of it unwritten (the
// padding after a JSON value's one-byte type tag, say), can keep a patch for as long as
// malloc hands the block out in the same order. Tables of addresses, and the JSON the
// runtime parses at every apply, use this allocator.
#pragma once

#include <string.h>  // explicit_bzero

#include <cstddef>
#include <memory>

namespace hotswap {

// `Base` hands out and takes back the memory (a test's recorder; std::allocator otherwise).
template <class T, template <class> class Base = std::allocator>
struct BasicScrubbingAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = BasicScrubbingAllocator<U, Base>;
  };
  BasicScrubbingAllocator() = default;
  template <class U>
  BasicScrubbingAllocator(const BasicScrubbingAllocator<U, Base>&) {}
  T* allocate(std::size_t n) { return Base<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) {
    explicit_bzero(p, n * sizeof(T));  // a plain memset before a free may be left out
    Base<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const BasicScrubbingAllocator<U, Base>&) const {
    return true;  // stateless: any one frees what another allocated
  }
};

template <class T>
using ScrubbingAllocator = BasicScrubbingAllocator<T>;

}  // namespace hotswap
