// Where a program's control socket lives and who may reach it (docs/control.md): one
// directory per user, 0700 and owned by that user, holding PID.sock for each program.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "common/expected.h"

namespace hotswap {

// User `uid`'s control directory: RUNTIME_DIR/hotswap, or /tmp/hotswap-UID when the
// user's runtime directory ($XDG_RUNTIME_DIR) is empty.
std::string control_directory_path(uid_t uid, const std::string& runtime_dir);

// Refuses a directory that is a symlink, not a directory, owned by another user than
// `uid`, or open to group or others.
Status check_control_directory(const std::string& directory, uid_t uid);

// This process's control directory (from getuid() and $XDG_RUNTIME_DIR), checked; with
// `create`, made first (mode 0700) if missing.
Expected<std::string> control_directory(bool create);

std::string control_socket_path(const std::string& directory, pid_t pid);

// The lock on a control directory (flock). A program holds it from binding its socket
// until the socket listens; a sweep holds it while it finds stale sockets and removes
// them. So a sweep never sees a starting program's socket between bind and listen, when
// nobody listens on it yet.
class DirectoryLock {
 public:
  // Waits up to `wait` for the lock.
  static Expected<DirectoryLock> acquire(const std::string& directory,
                                         std::chrono::milliseconds wait);
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Removes the stale sockets of `directory`: each PID.sock that nobody listens on (its
// process is gone, or the pid now names a process that did not make it). Anything else
// stays. Returns how many it removed.
// REQUIRES: `lock` holds `directory`.
int remove_stale_sockets(const std::string& directory, const DirectoryLock& lock);

}  // namespace hotswap
