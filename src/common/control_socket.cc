#include "common/control_socket.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

}  // namespace hotswap
