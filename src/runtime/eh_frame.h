// A check of a patch's relocated .eh_frame before it is handed to the unwinder. libgcc
// parses registered frames lazily, on the next exception anywhere in the process, and trusts
// them; a malformed table would fault there, long after the patch was applied. So every
// record must be well formed and every FDE must describe code the patch loaded.
#pragma once

#include <cstdint>
#include <span>

#include "common/expected.h"

namespace hotswap {

struct AddressRange {
  std::uint64_t begin = 0, end = 0;
  bool contains(std::uint64_t a, std::uint64_t size = 0) const { return a >= begin && a <= end && size <= end - a; }
};

// `table` is the relocated section at its run-time address; FDEs must cover code inside
// `code` (or nothing), LSDAs must lie in `constants`, personality pointers in one of
// `personality_slots` (the patch's data or the running image).
Status check_eh_frame(std::span<const unsigned char> table, AddressRange code, AddressRange constants,
                      std::span<const AddressRange> personality_slots);

}  // namespace hotswap
