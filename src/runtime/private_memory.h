// Memory for the runtime's own tables of addresses (thread sampling, reclamation): mapped
// apart from the heap and skipped by the reclamation scan while it exists (unmapped
// after), so that the runtime's bookkeeping is never mistaken for the program
// holding a pointer into a patch (reclaim.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/scrubbing_allocator.h"

namespace hotswap {

// Registers [begin, end) as the runtime's own; false when the registry is full.
bool register_private_range(std::uint64_t begin, std::uint64_t end);
void unregister_private_range(std::uint64_t begin);
// Copies the registered ranges into `out` (pairs of begin, end); returns how many.
// Allocates nothing.
std::size_t private_ranges(std::span<std::uint64_t> out);

void* map_private(std::size_t bytes);           // zeroed, registered; nullptr on failure
void unmap_private(void* memory, std::size_t bytes);  // unregisters, unmaps

// A fixed-capacity array of plain values in private memory.
template <class T>
class PrivateArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  PrivateArray() = default;
  explicit PrivateArray(std::size_t capacity) : capacity_(capacity) {
    if (capacity_) data_ = static_cast<T*>(map_private(capacity_ * sizeof(T)));
    if (!data_) capacity_ = 0;
  }
  ~PrivateArray() {
    if (data_) unmap_private(data_, capacity_ * sizeof(T));
  }
  PrivateArray(const PrivateArray&) = delete;
  PrivateArray& operator=(const PrivateArray&) = delete;
  PrivateArray(PrivateArray&& o) noexcept { *this = static_cast<PrivateArray&&>(o); }
  PrivateArray& operator=(PrivateArray&& o) noexcept {
    if (this != &o) {
      if (data_) unmap_private(data_, capacity_ * sizeof(T));
      data_ = o.data_, size_ = o.size_, capacity_ = o.capacity_;
      o.data_ = nullptr, o.size_ = o.capacity_ = 0;
    }
    return *this;
  }

  bool push_back(const T& v) {
    if (size_ == capacity_) return false;
    data_[size_++] = v;
    return true;
  }
  void clear() { size_ = 0; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

// Heap tables of patch addresses that come and go with each apply or revert (reclaim.h).
using AddressList = std::vector<std::uint64_t, ScrubbingAllocator<std::uint64_t>>;
using AddressSizeList = std::vector<std::pair<std::uint64_t, std::uint64_t>,
                                    ScrubbingAllocator<std::pair<std::uint64_t, std::uint64_t>>>;
template <class Value>
using AddressMap = std::map<std::uint64_t, Value, std::less<std::uint64_t>,
                            ScrubbingAllocator<std::pair<const std::uint64_t, Value>>>;

}  // namespace hotswap
