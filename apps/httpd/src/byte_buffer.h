// A growable byte buffer for response headers and small bodies. It allocates only when it
// must grow, so a connection's buffer is reused for every response it sends.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <string_view>

namespace httpd {

class ByteBuffer {
 public:
  explicit ByteBuffer(std::size_t capacity = 0) { reserve(capacity); }
  ~ByteBuffer() { std::free(data_); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  // Moves take the memory (a live update moves a buffer into a connection's new type).
  ByteBuffer(ByteBuffer&& other) noexcept { swap(other); }
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = nullptr;
      size_ = capacity_ = 0;
      swap(other);
    }
    return *this;
  }

  const char* data() const { return data_; }
  char* data() { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  std::string_view view() const { return {data_, size_}; }

  void append(std::string_view s) {
    if (size_ + s.size() > capacity_) grow(size_ + s.size());
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  void append(char c) {
    if (size_ + 1 > capacity_) grow(size_ + 1);
    data_[size_++] = c;
  }
  void append_decimal(std::uint64_t value) {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    if (size_ + n > capacity_) grow(size_ + n);
    while (n > 0) data_[size_++] = digits[--n];
  }
  void reserve(std::size_t capacity) {
    if (capacity > capacity_) grow(capacity);
  }

 private:
  void swap(ByteBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  void grow(std::size_t needed) {
    std::size_t capacity = capacity_ < 256 ? 256 : capacity_;
    while (capacity < needed) capacity *= 2;
    void* p = std::realloc(data_, capacity);
    if (p == nullptr) std::abort();  // out of memory: nothing sensible left to do
    data_ = static_cast<char*>(p);
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace httpd
