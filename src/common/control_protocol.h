// The control protocol between a running program and the `hotswap` tool (docs/control.md).
//
// One request and one response per connection over a Unix stream socket. Each message is
// a frame: a 4-byte big-endian length N (1 <= N <= kMaxMessageBytes) followed by N bytes of
// a JSON object carrying "protocol": kProtocolVersion. Frozen for protocol version 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/expected.h"

namespace hotswap {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::uint32_t kMaxMessageBytes = 64 * 1024;

// The server gives a client this long from its connection to send the whole request, and
// itself as long to send the answer: a slow or silent client holds a connection no longer.
// The client waits much longer for the answer, which comes after staging a patch.
inline constexpr std::chrono::milliseconds kServerDeadline{2000};
inline constexpr std::chrono::milliseconds kClientDeadline{60000};
// The longest wait for a safe moment a request may ask of a patch that moves state.
inline constexpr std::uint64_t kMaxUpdateTimeoutMs = 3600 * 1000;

using Deadline = std::chrono::steady_clock::time_point;
inline Deadline deadline_after(std::chrono::milliseconds wait) {
  return std::chrono::steady_clock::now() + wait;
}

// Both fail once `deadline` has passed, however the bytes trickle. They work on blocking
// and non-blocking sockets alike.
Status write_frame(int fd, const std::string& payload, Deadline deadline);
// Errors say which: closed before a frame, truncated, oversized, timed out.
Expected<std::string> read_frame(int fd, Deadline deadline);

// The payload length a frame header announces, if within the limits.
Expected<std::uint32_t> frame_length(const unsigned char header[4]);

}  // namespace hotswap
