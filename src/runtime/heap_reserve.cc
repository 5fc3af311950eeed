#include "runtime/heap_reserve.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace hotswap {
namespace {

// Blocks well below glibc's smallest mmap threshold (128 KiB), so that they come from the
// arena itself and, freed, coalesce into one run that small requests split.
constexpr std::size_t kBlock = 32 * 1024;
// The most a reserve makes resident. What the migration does not use stays with malloc as
// free heap: a thread's arena (the control plane applies on a thread of its own) does not
// give it back to the kernel, so it is kept below one arena heap (64 MiB).
constexpr std::size_t kMost = std::size_t{32} << 20;

// A sanitizer's allocator keeps freed memory in quarantine: a reserve would not be reused,
// and would push the program's own freed blocks out of the quarantine early.
extern "C" void __asan_init() __attribute__((weak));
extern "C" void __tsan_init() __attribute__((weak));
extern "C" void __msan_init() __attribute__((weak));
extern "C" void __lsan_init() __attribute__((weak));

bool enabled() {
  static const bool on = [] {
    if (&__asan_init || &__tsan_init || &__msan_init || &__lsan_init) return false;
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

std::size_t HeapReserve::first_guess() {
  if (!enabled()) return 0;
  // The process's resident memory, from /proc/self/statm: no allocator lock taken (asking
  // malloc, mallinfo2, walks every free chunk of every arena under its lock and stalls the
  // program's threads). Half of it, at most kMost.
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128] = {};
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return 0;
  unsigned long size = 0, resident = 0;
  if (std::sscanf(text, "%lu %lu", &size, &resident) != 2) return 0;
  std::size_t bytes = resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return std::min(bytes / 2, kMost);
}

}  // namespace hotswap
