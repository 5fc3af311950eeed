#include "common/scrubbing_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hotswap {
namespace {

// Counts the blocks given back, and the bytes in them that were not zero at that moment.
std::size_t g_returned = 0, g_nonzero = 0;

template <class T>
struct Recorder {
  using value_type = T;
  Recorder() = default;
  template <class U>
  Recorder(const Recorder<U>&) {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) {
    ++g_returned;
    auto* bytes = reinterpret_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n * sizeof(T); ++i) g_nonzero += bytes[i] != 0;
    std::allocator<T>{}.deallocate(p, n);
  }
};

template <class T>
using Checked = BasicScrubbingAllocator<T, Recorder>;

TEST(ScrubbingAllocator, EveryBlockAVectorOutgrowsIsZeroWhenGivenBack) {
  g_returned = g_nonzero = 0;
  {
    std::vector<std::uint64_t, Checked<std::uint64_t>> addresses;
    for (std::uint64_t i = 0; i < 100; ++i) addresses.push_back(0x7f0000001000 + i);  // grows several times
  }
  EXPECT_GE(g_returned, 5u);
  EXPECT_EQ(g_nonzero, 0u);
}

// What the manifest parser uses: a null value's padding held a patch address once, carried
// from parse to parse in the same blocks, and kept a reverted patch mapped.
TEST(ScrubbingAllocator, AParsedJsonDocumentLeavesNothingInItsNodes) {
  using json = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t, std::uint64_t, double,
                                    Checked>;
  g_returned = g_nonzero = 0;
  { json doc = json::parse(R"({"functions": [{"name": "set", "kind": null}], "data": [1, 2, 3]})"); }
  EXPECT_GE(g_returned, 4u);  // the object, its nodes, the arrays
  EXPECT_EQ(g_nonzero, 0u);
}

}  // namespace
}  // namespace hotswap
