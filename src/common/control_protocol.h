// The control protocol between a running program and the `hotswap` tool (docs/control.md).
//
// One request and one response per connection over a Unix stream socket. Each message is
// a frame: a 4-byte big-endian length N (1 <= N <= kMaxMessageBytes) followed by N bytes of
// a JSON object carrying "protocol": kProtocolVersion. Frozen for protocol version 1.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/expected.h"

namespace hotswap {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::uint32_t kMaxMessageBytes = 64 * 1024;
// The server gives a client this long to send its request: a silent client holds up the
// control thread no longer. The client waits much longer for the answer, which comes
// after staging a patch.
inline constexpr int kServerIoTimeoutMs = 2000;
inline constexpr int kClientIoTimeoutMs = 60000;

// The per-user directory of control sockets: $XDG_RUNTIME_DIR/hotswap, or /tmp/hotswap-UID
// when XDG_RUNTIME_DIR is unset. With `create`, makes it (mode 0700); either way refuses a
// directory that is a symlink, belongs to another user, or is open to group or others.
Expected<std::string> control_directory(bool create);
std::string control_socket_path(const std::string& directory, pid_t pid);

// Sets send and receive timeouts on a socket.
void set_io_timeouts(int fd, int milliseconds);
Status write_frame(int fd, const std::string& payload);
// Errors say which: closed before a frame, truncated, oversized, timed out.
Expected<std::string> read_frame(int fd);

}  // namespace hotswap
