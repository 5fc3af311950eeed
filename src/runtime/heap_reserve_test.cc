#include "runtime/heap_reserve.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace hotswap {
namespace {

long minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// What a migration does inside the pause: many small objects, on a heap that has not
// grown that far yet. Returns the page faults they took.
long faults_of_small_objects(std::vector<void*>& objects, std::size_t count) {
  long before = minor_faults();
  for (std::size_t i = 0; i < count; ++i) {
    void* p = std::malloc(72);
    std::memset(p, 1, 72);
    objects.push_back(p);
  }
  return minor_faults() - before;
}

#if defined(__SANITIZE_ADDRESS__)
#define HOTSWAP_QUARANTINES_FREED_MEMORY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOTSWAP_QUARANTINES_FREED_MEMORY 1
#endif
#endif

TEST(HeapReserve, SmallObjectsAllocatedAfterItTakeNoPageFaults) {
#ifdef HOTSWAP_QUARANTINES_FREED_MEMORY
  GTEST_SKIP() << "a sanitizer's allocator quarantines freed memory";
#endif
  constexpr std::size_t kObjects = 100'000;  // 8 MB of 80-byte chunks: 2,000 pages
  std::vector<void*> cold, warm;
  cold.reserve(kObjects);
  warm.reserve(kObjects);
  long without = faults_of_small_objects(cold, kObjects);
  long with = 0;
  {
    HeapReserve room(16 << 20);
    with = faults_of_small_objects(warm, kObjects);
  }
  for (void* p : cold) std::free(p);
  for (void* p : warm) std::free(p);
  EXPECT_GT(without, 1000) << "the heap was already grown: the test shows nothing";
  EXPECT_LT(with, without / 10);
}

TEST(HeapReserve, NothingAskedNothingHeld) {
  HeapReserve none(0);
  HeapReserve defaulted;
  SUCCEED();
}

TEST(HeapReserve, TheFirstGuessFollowsResidentMemoryUpToItsCap) {
  std::size_t before = HeapReserve::first_guess();
  EXPECT_GT(before, 0u);
  std::vector<char*> held;
  for (int i = 0; i < 64; ++i) {  // 64 MiB resident: half of it is past the 32 MiB cap
    held.push_back(static_cast<char*>(std::malloc(1 << 20)));
    std::memset(held.back(), 1, 1 << 20);
  }
  EXPECT_EQ(HeapReserve::first_guess(), std::size_t{32} << 20);
  for (char* p : held) std::free(p);
}

}  // namespace
}  // namespace hotswap
