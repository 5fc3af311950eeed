// Content hashes used to identify patches and the bytes of functions. FNV-1a: fast and
// stable, not a defence against a forger (patch signatures are a separate, optional check).
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

namespace hotswap {

class Fnv1a64 {
 public:
  void add(std::span<const unsigned char> bytes) {
    for (unsigned char b : bytes) {
      state_ ^= b;
      state_ *= 0x100000001b3ULL;
    }
  }
  void add(const std::string& s) {
    add(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  }
  std::uint64_t value() const { return state_; }

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

inline std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string hash_bytes(std::span<const unsigned char> bytes) {
  Fnv1a64 h;
  h.add(bytes);
  return hex64(h.value());
}

}  // namespace hotswap
