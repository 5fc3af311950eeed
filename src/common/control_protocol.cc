#include "common/control_protocol.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hotswap {

Expected<std::string> control_directory(bool create) {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = xdg && *xdg ? std::string(xdg) + "/hotswap" : "/tmp/hotswap-" + std::to_string(getuid());
  if (create && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error("cannot create " + dir + ": " + std::strerror(errno));
  struct stat st{};
  if (lstat(dir.c_str(), &st) != 0) return make_error(dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return make_error(dir + " is not a directory");
  if (st.st_uid != getuid()) return make_error(dir + " belongs to another user");
  if (st.st_mode & 077) return make_error(dir + " is open to other users (mode must be 0700)");
  return dir;
}

std::string control_socket_path(const std::string& directory, pid_t pid) {
  return directory + "/" + std::to_string(pid) + ".sock";
}

void set_io_timeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

namespace {

Status write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(std::string("send failed: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::success();
}

// Reads exactly `size` bytes; `got` tells how many arrived before an error.
Status read_all(int fd, char* data, std::size_t size, std::size_t& got) {
  got = 0;
  while (got < size) {
    ssize_t n = recv(fd, data + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return make_error("timed out");
    if (n < 0) return make_error(std::string("recv failed: ") + std::strerror(errno));
    if (n == 0) return make_error("closed");
    got += static_cast<std::size_t>(n);
  }
  return Status::success();
}

}  // namespace

Status write_frame(int fd, const std::string& payload) {
  if (payload.empty() || payload.size() > kMaxMessageBytes) return make_error("message too large");
  auto n = static_cast<std::uint32_t>(payload.size());
  unsigned char header[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                             static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  HOTSWAP_TRY(write_all(fd, reinterpret_cast<const char*>(header), 4));
  return write_all(fd, payload.data(), payload.size());
}

Expected<std::string> read_frame(int fd) {
  unsigned char header[4];
  std::size_t got = 0;
  Status s = read_all(fd, reinterpret_cast<char*>(header), 4, got);
  if (!s) return make_error(got ? "truncated frame header" : "no message: " + s.message());
  std::uint32_t n = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                    (std::uint32_t{header[2]} << 8) | header[3];
  if (n == 0) return make_error("empty message");
  if (n > kMaxMessageBytes)
    return make_error("message of " + std::to_string(n) + " bytes exceeds the limit of " +
                      std::to_string(kMaxMessageBytes));
  std::string payload(n, '\0');
  s = read_all(fd, payload.data(), n, got);
  if (!s) return make_error("truncated message (" + std::to_string(got) + " of " + std::to_string(n) + " bytes): " + s.message());
  return payload;
}

}  // namespace hotswap
