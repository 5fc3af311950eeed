// Heap memory made resident ahead of a pause: a type-changing migration allocates every
// new object while the program's threads are held, and on a heap that has not yet grown
// that far each new page costs a fault inside the pause (about 1.5 µs apiece on a VM; a
// hundred thousand objects fault thousands of pages). So before the threads are held, the
// applying thread allocates about as much as the migration will, has the kernel put the
// pages in place, and frees it again, keeping its last block allocated as a fence: the
// freed run cannot merge into the top of the heap, where the allocator would give it back
// to the kernel. The migration (on the same thread, hence the same malloc arena) then
// allocates from memory that is already there. Dropping the reserve frees the fence.
//
// It goes through the program's own malloc and assumes nothing of it beyond malloc/free;
// with another allocator it may help less. What the migration does not use stays free heap
// of the applying thread's arena (at most 32 MiB). Off under a sanitizer (its quarantine
// keeps freed memory from reuse) and with HOTSWAP_HEAP_RESERVE=0 (docs/performance.md).
#pragma once

#include <cstddef>

namespace hotswap {

class HeapReserve {
 public:
  HeapReserve() = default;
  // Makes about `bytes` of heap resident and free (capped: see heap_reserve.cc).
  explicit HeapReserve(std::size_t bytes);
  ~HeapReserve();
  HeapReserve(const HeapReserve&) = delete;
  HeapReserve& operator=(const HeapReserve&) = delete;

  // The bytes to reserve for a first migration, with no earlier one of the patch to go by:
  // half the process's resident memory, up to the cap (32 MiB); 0 when reserves are off.
  static std::size_t first_guess();

 private:
  void* fence_ = nullptr;
};

}  // namespace hotswap
