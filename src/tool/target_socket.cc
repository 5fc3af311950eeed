#include "tool/target_socket.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/control_socket.h"

namespace hotswap {
namespace {

// Linux's __SO_ACCEPTCON in the Flags column of /proc/net/unix: a listening socket.
constexpr std::uint64_t kListeningFlag = 0x10000;

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The path of the listening socket that process `pid` holds and that is named PID.sock.
std::optional<std::string> bound_socket(pid_t pid, const std::map<std::uint64_t, std::string>* listening) {
  std::map<std::uint64_t, std::string> read_now;
  if (!listening) {
    auto table = read_text("/proc/net/unix");
    if (!table) return std::nullopt;
    read_now = listening_unix_sockets(*table);
    listening = &read_now;
  }
  std::string name = "/" + std::to_string(pid) + ".sock";
  std::map<std::uint64_t, std::string> candidates;
  for (auto& [inode, path] : *listening)
    if (path.size() > name.size() &&
        path.compare(path.size() - name.size(), name.size(), name) == 0)
      candidates[inode] = path;
  if (candidates.empty()) return std::nullopt;
  std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(fd_dir.c_str());
  if (!dir) return std::nullopt;
  std::optional<std::string> found;
  while (dirent* entry = readdir(dir)) {
    char link[64];
    ssize_t n = readlink((fd_dir + "/" + entry->d_name).c_str(), link, sizeof link - 1);
    if (n <= 0) continue;
    link[n] = '\0';
    unsigned long long inode = 0;
    if (std::sscanf(link, "socket:[%llu]", &inode) != 1) continue;
    if (auto it = candidates.find(inode); it != candidates.end()) {
      found = it->second;
      break;
    }
  }
  closedir(dir);
  return found;
}

std::string directory_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

std::optional<uid_t> real_uid_from_status(const std::string& status) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Uid:", 0) != 0) continue;
    std::istringstream fields(line.substr(4));
    long long uid = -1;
    if (fields >> uid && uid >= 0) return static_cast<uid_t>(uid);
    return std::nullopt;
  }
  return std::nullopt;
}

std::string environment_value(const std::string& environ, const std::string& name) {
  std::string prefix = name + "=";
  for (std::size_t at = 0; at < environ.size();) {
    std::size_t end = environ.find('\0', at);
    if (end == std::string::npos) end = environ.size();
    if (environ.compare(at, prefix.size(), prefix) == 0 && end - at >= prefix.size())
      return environ.substr(at + prefix.size(), end - at - prefix.size());
    at = end + 1;
  }
  return "";
}

std::map<std::uint64_t, std::string> listening_unix_sockets(const std::string& proc_net_unix) {
  // Num RefCount Protocol Flags Type St Inode [Path]
  std::map<std::uint64_t, std::string> out;
  std::istringstream lines(proc_net_unix);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string num, refcount, protocol, flags, type, state;
    std::uint64_t inode = 0;
    if (!(fields >> num >> refcount >> protocol >> flags >> type >> state >> inode)) continue;
    std::string path;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path[0] != '/') continue;  // unbound, abstract or relative
    if ((std::strtoull(flags.c_str(), nullptr, 16) & kListeningFlag) == 0) continue;
    out[inode] = path;
  }
  return out;
}

std::map<std::uint64_t, std::string> listening_unix_sockets_now() {
  auto table = read_text("/proc/net/unix");
  return table ? listening_unix_sockets(*table) : std::map<std::uint64_t, std::string>{};
}

Expected<std::string> find_control_socket(pid_t pid, const std::map<std::uint64_t, std::string>* listening) {
  std::string process = "process " + std::to_string(pid);
  // Where /proc does not tell the user, the process is taken to be ours, as the program's
  // check would require anyway.
  uid_t uid = getuid();
  if (auto status = read_text("/proc/" + std::to_string(pid) + "/status"))
    if (auto owner = real_uid_from_status(*status)) uid = *owner;
  if (uid != getuid() && getuid() != 0)
    return make_error(process + " belongs to uid " + std::to_string(uid) +
                      ": only that user or root may control it");
  std::string directory;
  if (auto bound = bound_socket(pid, listening)) {
    directory = directory_of(*bound);
  } else if (uid == getuid()) {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    directory = control_directory_path(uid, xdg ? xdg : "");
  } else {
    auto environ = read_text("/proc/" + std::to_string(pid) + "/environ");
    directory =
        control_directory_path(uid, environ ? environment_value(*environ, "XDG_RUNTIME_DIR") : "");
  }
  Status checked = check_control_directory(directory, uid);
  if (!checked) return make_error("control directory of " + process + ": " + checked.message());
  return control_socket_path(directory, pid);
}

}  // namespace hotswap
