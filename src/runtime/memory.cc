#include "runtime/memory.h"

#include "runtime/proc_maps.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

// LeakSanitizer's interface, present when the program is built with -fsanitize=address or
// =leak: a patch's memory is an anonymous mapping LeakSanitizer does not know, and the state
// a patch carries (a migrated global's heap objects) would otherwise be reported as leaks.
extern "C" void __lsan_register_root_region(const void* p, std::size_t size) __attribute__((weak));
extern "C" void __lsan_unregister_root_region(const void* p, std::size_t size) __attribute__((weak));

namespace hotswap {
namespace {

constexpr std::uint64_t kReach = (1ULL << 31) - kPageSize;

}  // namespace

Expected<MappedRegion> map_near_image(std::uint64_t image_start, std::uint64_t image_end, std::size_t size,
                                      std::size_t alignment) {
  size = page_round_up(size);
  alignment = std::max(alignment, kPageSize);
  std::uint64_t window_lo = page_round_up(image_end);
  std::uint64_t window_hi = (image_start + kReach) & ~(kPageSize - 1);
  // Highest free gap first: far from the brk heap that grows up from the executable.
  PrivateArray<Mapping> maps = read_mappings();
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::uint64_t upper = window_hi;
    for (std::size_t i = maps.size(); i-- > 0;) {
      const Mapping* it = &maps[i];
      if (it->begin >= upper) continue;
      std::uint64_t gap_lo = std::max(it->end, window_lo), gap_hi = upper;
      upper = std::min(upper, it->begin);
      std::uint64_t want_at = gap_hi >= size ? (gap_hi - size) & ~(std::uint64_t{alignment} - 1) : 0;
      if (gap_hi <= gap_lo || gap_hi - gap_lo < size || want_at < gap_lo) {
        if (it->end <= window_lo) break;
        continue;
      }
      void* want = reinterpret_cast<void*>(want_at);
      void* got = mmap(want, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
      if (got == want) {
        if (__lsan_register_root_region) __lsan_register_root_region(got, size);
        return MappedRegion{static_cast<unsigned char*>(got), size};
      }
      if (got != MAP_FAILED) munmap(got, size);  // an old kernel took it as a hint
      break;  // raced with another mapping: read the map again
    }
    maps = read_mappings();
  }
  return make_error("no free address range of " + std::to_string(size) +
                    " bytes within 2 GB of the executable");
}

void unmap_region(const MappedRegion& region) {
  if (!region.base) return;
  if (__lsan_unregister_root_region) __lsan_unregister_root_region(region.base, region.size);
  munmap(region.base, region.size);
}

Status protect_range(std::uint64_t start, std::uint64_t end, int prot) {
  std::uint64_t lo = start & ~(kPageSize - 1), hi = page_round_up(end);
  if (mprotect(reinterpret_cast<void*>(lo), hi - lo, prot) != 0)
    return make_error(std::string("mprotect failed: ") + std::strerror(errno));
  return Status::success();
}

}  // namespace hotswap
