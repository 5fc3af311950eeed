// The process's memory mappings, from /proc/self/maps, read into private memory
// (private_memory.h): the tables never pass through the heap, where stale copies would look
// like pointers to the reclamation scan. Allocates no heap memory, so it may run while
// other threads are parked (reclaim.h).
#pragma once

#include <cstdint>

#include "runtime/private_memory.h"

namespace hotswap {

struct Mapping {
  std::uint64_t begin = 0, end = 0;
  bool readable = false, writable = false;
  bool anonymous = false;   // no file: heap, stacks, anonymous mmap (shared or private)
  bool main_stack = false;  // [stack]: the initial thread's stack
  // A device file (under /dev/, but for /dev/zero, POSIX shared memory in /dev/shm and
  // huge pages in /dev/hugepages): reading it may act on hardware.
  bool device = false;
};

// Every mapping, in address order; empty if /proc/self/maps cannot be read.
PrivateArray<Mapping> read_mappings();

}  // namespace hotswap
