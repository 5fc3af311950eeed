#include "runtime/heap_reserve.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace hotswap {
namespace {

// Blocks well below glibc's smallest mmap threshold (128 KiB), so that they come from the
// arena itself and, freed, coalesce into one run that small requests split.
constexpr std::size_t kBlock = 32 * 1024;
// The most a reserve makes resident: it is a guess (first_guess), and memory the program
// keeps as free heap afterwards.
constexpr std::size_t kMost = std::size_t{256} << 20;
constexpr std::size_t kFirstGuessMost = std::size_t{64} << 20;

bool enabled() {
  static const bool on = [] {
    const char* v = std::getenv("HOTSWAP_HEAP_RESERVE");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

// Puts the pages of [p, p + size) in place: one call where the kernel can, else a write per page.
void make_resident(void* p, std::size_t size) {
  auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto begin = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(p) + size) & ~(page - 1);
  if (end <= begin) return;
#ifdef MADV_POPULATE_WRITE
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0) return;
#endif
  for (auto at = begin; at < end; at += page) *reinterpret_cast<volatile char*>(at) = 0;
}

}  // namespace

HeapReserve::HeapReserve(std::size_t bytes) {
  if (!enabled() || bytes == 0) return;
  std::size_t count = (std::min(bytes, kMost) + kBlock - 1) / kBlock;
  std::vector<void*> blocks;
  try {
    blocks.reserve(count);
  } catch (...) {
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    void* p = std::malloc(kBlock);
    if (!p) break;
    make_resident(p, kBlock);
    blocks.push_back(p);
  }
  if (blocks.empty()) return;
  fence_ = blocks.back();  // the last block stays: nothing after it merges the run into the top
  blocks.pop_back();
  for (void* p : blocks) std::free(p);
}

HeapReserve::~HeapReserve() { std::free(fence_); }

std::size_t HeapReserve::heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = ::mallinfo2();
  return std::min<std::size_t>(info.uordblks, kFirstGuessMost);
#else
  return 0;
#endif
}

}  // namespace hotswap
