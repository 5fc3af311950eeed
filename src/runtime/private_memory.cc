#include "runtime/private_memory.h"

#include <sys/mman.h>

#include <mutex>

namespace hotswap {
namespace {

constexpr std::size_t kMaxRanges = 256;

std::mutex g_mu;
std::uint64_t g_ranges[kMaxRanges][2];  // begin, end; begin 0: a free entry

}  // namespace

bool register_private_range(std::uint64_t begin, std::uint64_t end) {
  std::lock_guard lock(g_mu);
  for (auto& r : g_ranges)
    if (r[0] == 0) {
      r[0] = begin, r[1] = end;
      return true;
    }
  return false;
}

void unregister_private_range(std::uint64_t begin) {
  std::lock_guard lock(g_mu);
  for (auto& r : g_ranges)
    if (r[0] == begin) r[0] = r[1] = 0;
}

std::size_t private_ranges(std::span<std::uint64_t> out) {
  std::lock_guard lock(g_mu);
  std::size_t n = 0;
  for (const auto& r : g_ranges)
    if (r[0] && 2 * n + 2 <= out.size()) {
      out[2 * n] = r[0], out[2 * n + 1] = r[1];
      ++n;
    }
  return n;
}

void* map_private(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto begin = reinterpret_cast<std::uint64_t>(p);
  if (!register_private_range(begin, begin + bytes)) {
    munmap(p, bytes);
    return nullptr;
  }
  return p;
}

void unmap_private(void* memory, std::size_t bytes) {
  unregister_private_range(reinterpret_cast<std::uint64_t>(memory));
  munmap(memory, bytes);
}

}  // namespace hotswap
