// Finding the control socket of a process, given its pid (docs/control.md).
//
// The socket the process listens on is found through /proc: its descriptors, and the paths
// of listening Unix sockets in /proc/net/unix. Where /proc does not tell (another network
// namespace, descriptors we may not read), it is PID.sock in the control directory of the
// process's user: $XDG_RUNTIME_DIR/hotswap (ours for our own processes; for another
// user's, root reads it in the environment the process started with), else
// /tmp/hotswap-UID. Either way the directory must belong to the process's user and be
// closed to others, as the program requires of it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/expected.h"

namespace hotswap {

// The path of the socket. Another user's process is reachable only for root. `listening`:
// the table of listening_unix_sockets_now(), read once for many processes; null: read now.
Expected<std::string> find_control_socket(pid_t pid, const std::map<std::uint64_t, std::string>* listening = nullptr);
std::map<std::uint64_t, std::string> listening_unix_sockets_now();

// The parsers of /proc texts it uses.
// The real uid in /proc/PID/status.
std::optional<uid_t> real_uid_from_status(const std::string& status);
// The value of `name` in /proc/PID/environ (NUL-separated NAME=VALUE), or "".
std::string environment_value(const std::string& environ, const std::string& name);
// The path of each listening Unix socket bound to an absolute path, by inode, from
// /proc/net/unix.
std::map<std::uint64_t, std::string> listening_unix_sockets(const std::string& proc_net_unix);

}  // namespace hotswap
