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

inline std::string hex_bytes(std::span<const unsigned char> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

inline std::string hash_bytes(std::span<const unsigned char> bytes) {
  Fnv1a64 h;
  h.add(bytes);
  return hex64(h.value());
}

// The bytes of a function that identify its code: everything after the 2-byte patchable
// entry (-fpatchable-function-entry=16,14), which a redirect overwrites. The manifest's
// old_hash/new_hash and the runtime's check of running code use this one measure.
inline constexpr std::size_t kPatchableEntryBytes = 2;
inline std::string function_body_hash(std::span<const unsigned char> function_bytes) {
  return function_bytes.size() >= kPatchableEntryBytes ? hash_bytes(function_bytes.subspan(kPatchableEntryBytes))
                                                       : hash_bytes(function_bytes);
}

}  // namespace hotswap
