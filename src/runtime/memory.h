// Memory for patches, placed so that 32-bit PC-relative references between the patch and the
// running executable (and every other patch) reach: all of it lies above the executable,
// within 2 GB of its start. Patch memory is never unmapped once code in it may have run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/expected.h"

namespace hotswap {

struct MappedRegion {
  unsigned char* base = nullptr;
  std::size_t size = 0;
};

inline constexpr std::size_t kPageSize = 4096;
inline std::size_t page_round_up(std::size_t n) { return (n + kPageSize - 1) & ~(kPageSize - 1); }

// Maps `size` bytes (read-write, zeroed) in reach of the image [image_start, image_end),
// at an address that is a multiple of `alignment` (a power of two, at least a page).
Expected<MappedRegion> map_near_image(std::uint64_t image_start, std::uint64_t image_end, std::size_t size,
                                      std::size_t alignment = kPageSize);
void unmap_region(const MappedRegion& region);
Status protect_range(std::uint64_t start, std::uint64_t end, int prot);

}  // namespace hotswap
