#include "common/control_socket.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace hotswap {

std::string control_directory_path(uid_t uid, const std::string& runtime_dir) {
  return runtime_dir.empty() ? "/tmp/hotswap-" + std::to_string(uid) : runtime_dir + "/hotswap";
}

Status check_control_directory(const std::string& dir, uid_t uid) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) return make_error(dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return make_error(dir + " is not a directory");
  if (st.st_uid != uid) return make_error(dir + " belongs to another user");
  if (st.st_mode & 077) return make_error(dir + " is open to other users (mode must be 0700)");
  return Status::success();
}

Expected<std::string> control_directory(bool create) {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = control_directory_path(getuid(), xdg ? xdg : "");
  if (create && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error("cannot create " + dir + ": " + std::strerror(errno));
  HOTSWAP_TRY(check_control_directory(dir, getuid()));
  return dir;
}

std::string control_socket_path(const std::string& directory, pid_t pid) {
  return directory + "/" + std::to_string(pid) + ".sock";
}

Expected<DirectoryLock> DirectoryLock::acquire(const std::string& directory,
                                               std::chrono::milliseconds wait) {
  int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return make_error(directory + ": " + std::strerror(errno));
  auto give_up = std::chrono::steady_clock::now() + wait;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if ((errno != EWOULDBLOCK && errno != EINTR) || std::chrono::steady_clock::now() >= give_up) {
      std::string why = errno == EWOULDBLOCK ? "held by another process" : std::strerror(errno);
      close(fd);
      return make_error("cannot lock " + directory + ": " + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return DirectoryLock(fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

namespace {

// The pid a socket's name gives (PID.sock), or 0 for any other name.
pid_t pid_of_socket_name(const std::string& name) {
  const std::string suffix = ".sock";
  if (name.size() <= suffix.size() || name.size() > suffix.size() + 9 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  pid_t pid = 0;
  for (std::size_t i = 0; i < name.size() - suffix.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// Whether nobody listens on the socket at `path`. Only a refused connection says so: a
// socket we may not connect to, or whose backlog is full, is someone's.
bool nobody_listens(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool refused =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  close(fd);
  return refused;
}

}  // namespace

int remove_stale_sockets(const std::string& directory, const DirectoryLock&) {
  DIR* dir = opendir(directory.c_str());
  if (!dir) return 0;
  int removed = 0;
  while (dirent* entry = readdir(dir)) {
    pid_t pid = pid_of_socket_name(entry->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    std::string path = directory + "/" + entry->d_name;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    // Not by the pid: a dead program's socket has no listener, nor has one whose pid a
    // new process reuses, and a pid of another pid namespace would fool a check by pid.
    if (nobody_listens(path) && unlink(path.c_str()) == 0) ++removed;
  }
  closedir(dir);
  return removed;
}

}  // namespace hotswap
