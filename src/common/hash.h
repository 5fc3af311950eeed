// Content hashes of the bytes of functions. FNV-1a: fast and stable, not a defence against
// a forger; a patch's own id is a BLAKE2b hash (common/patch_id.h).
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

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

// A relocated field inside a function: its offset from the function's start and width.
struct CodeMask {
  std::uint32_t offset = 0;
  std::uint32_t width = 0;
};

// The bytes of a function that identify its code: everything after the 2-byte patchable
// entry (-fpatchable-function-entry=16,14), which a redirect overwrites, with each
// relocated field zeroed, so the same code linked at other addresses (an unchanged
// function in the next release's binary) hashes the same. The manifest's old_hash/new_hash
// and the runtime's check of running code use this one measure.
inline constexpr std::size_t kPatchableEntryBytes = 2;
inline std::string function_body_hash(std::span<const unsigned char> function_bytes,
                                      std::span<const CodeMask> mask = {}) {
  std::vector<unsigned char> bytes(function_bytes.begin(), function_bytes.end());
  for (const CodeMask& m : mask)
    for (std::uint64_t i = m.offset; i < std::uint64_t{m.offset} + m.width && i < bytes.size(); ++i) bytes[i] = 0;
  std::span<const unsigned char> body(bytes);
  return body.size() >= kPatchableEntryBytes ? hash_bytes(body.subspan(kPatchableEntryBytes)) : hash_bytes(body);
}

}  // namespace hotswap
