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
  bool device = false;  // a file under /dev/ other than /dev/zero: reading it may act on hardware
};

// Every mapping, in address order; empty if /proc/self/maps cannot be read.
PrivateArray<Mapping> read_mappings();

}  // namespace hotswap
