#include "common/control_protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hotswap {

namespace {

// Waits until `fd` is ready for `events` (or has an error or hang-up for the next call to
// report), or the deadline passes.
Status wait_until_ready(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return make_error("timed out");
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1 << 30)));
    if (n < 0 && errno != EINTR)
      return make_error(std::string("poll failed: ") + std::strerror(errno));
    if (n > 0) return Status::success();
  }
}

Status write_all(int fd, const char* data, std::size_t size, Deadline deadline) {
  while (size > 0) {
    HOTSWAP_TRY(wait_until_ready(fd, POLLOUT, deadline));
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) return make_error(std::string("send failed: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::success();
}

// Reads exactly `size` bytes; `got` tells how many arrived before an error.
Status read_all(int fd, char* data, std::size_t size, std::size_t& got, Deadline deadline) {
  got = 0;
  while (got < size) {
    HOTSWAP_TRY(wait_until_ready(fd, POLLIN, deadline));
    ssize_t n = recv(fd, data + got, size - got, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) return make_error(std::string("recv failed: ") + std::strerror(errno));
    if (n == 0) return make_error("closed");
    got += static_cast<std::size_t>(n);
  }
  return Status::success();
}

}  // namespace

Expected<std::uint32_t> frame_length(const unsigned char header[4]) {
  std::uint32_t n = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                    (std::uint32_t{header[2]} << 8) | header[3];
  if (n == 0) return make_error("empty message");
  if (n > kMaxMessageBytes)
    return make_error("message of " + std::to_string(n) + " bytes exceeds the limit of " +
                      std::to_string(kMaxMessageBytes));
  return n;
}

Status write_frame(int fd, const std::string& payload, Deadline deadline) {
  if (payload.empty() || payload.size() > kMaxMessageBytes) return make_error("message too large");
  auto n = static_cast<std::uint32_t>(payload.size());
  // One buffer, one send in the common case: header and payload leave together.
  std::string frame = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  frame += payload;
  return write_all(fd, frame.data(), frame.size(), deadline);
}

Expected<std::string> read_frame(int fd, Deadline deadline) {
  unsigned char header[4];
  std::size_t got = 0;
  Status s = read_all(fd, reinterpret_cast<char*>(header), 4, got, deadline);
  if (!s)
    return make_error(got ? "truncated frame header: " + s.message()
                          : "no message: " + s.message());
  auto n = frame_length(header);
  if (!n) return n.error();
  std::string payload(*n, '\0');
  s = read_all(fd, payload.data(), *n, got, deadline);
  if (!s)
    return make_error("truncated message (" + std::to_string(got) + " of " + std::to_string(*n) +
                      " bytes): " + s.message());
  return payload;
}

}  // namespace hotswap
