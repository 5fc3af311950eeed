#include "runtime/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "common/control_protocol.h"
#include "runtime/control_request.h"
#include "runtime/control_responses.h"
#include "runtime/runtime.h"

namespace hotswap {
namespace {

std::string g_socket_path;
pid_t g_socket_owner = 0;               // the process that created the socket
std::optional<StagedPatch> g_deferred;  // only touched by the control thread

std::string apply_answer(const ControlRequest& request, bool& commit_after_reply) {
  Runtime& rt = Runtime::instance();
  if (request.wait) {
    Result r = rt.apply(request.path);
    return change_response(r, rt.current_version());
  }
  auto staged = rt.stage(request.path);
  if (!staged) return plain_response(false, staged.error().message);
  g_deferred = std::move(*staged);
  commit_after_reply = true;
  return staged_response();
}

void serve(int listener) {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        usleep(10000);
        continue;
      }
      return;
    }
    set_io_timeouts(fd, kServerIoTimeoutMs);
    ucred peer{};
    socklen_t len = sizeof peer;
    bool commit_after_reply = false;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || !peer_allowed(peer)) {
      (void)write_frame(
          fd, plain_response(false, "permission denied: peer uid " + std::to_string(peer.uid) +
                                        " is neither this process's user nor root"));
    } else if (auto request = read_frame(fd); !request) {
      (void)write_frame(fd, plain_response(false, "bad request: " + request.error().message));
    } else {
      (void)write_frame(fd, handle_control_request(*request, commit_after_reply));
    }
    close(fd);
    if (commit_after_reply && g_deferred) {
      Runtime::instance().commit(std::move(*g_deferred));  // journaled either way
      g_deferred.reset();
    }
  }
}

// At exit. A forked child inherits this handler with the socket path: when it exits, the
// socket is still its parent's and stays.
void remove_socket() {
  if (!g_socket_path.empty() && getpid() == g_socket_owner) unlink(g_socket_path.c_str());
}

}  // namespace

bool peer_allowed(const ucred& peer) { return peer.uid == 0 || peer.uid == getuid(); }

std::string handle_control_request(const std::string& text, bool& commit_after_reply) {
  // Nothing may throw out of the control thread: it would end the program.
  try {
    auto request = parse_control_request(text);
    if (!request) return plain_response(false, request.error().message);
    Runtime& rt = Runtime::instance();
    if (request->op == "apply") return apply_answer(*request, commit_after_reply);
    if (request->op == "revert") {
      Result r = rt.revert();
      return change_response(r, rt.current_version());
    }
    if (request->op == "log") return log_response(rt.journal(), *request);
    return status_response(getpid(), rt.current_version(), rt.versions());
  } catch (const std::exception& e) {
    return plain_response(false, std::string("internal error: ") + e.what());
  }
}

Status start_control_server() {
  static std::mutex mu;
  static bool started = false;
  std::lock_guard lock(mu);
  if (started) return Status::success();
  auto dir = control_directory(/*create=*/true);
  if (!dir) return make_error("control socket: " + dir.error().message);
  std::string path = control_socket_path(*dir, getpid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return make_error("control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("control socket: ") + std::strerror(errno));
  unlink(path.c_str());  // a stale socket of an earlier process with our pid
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      chmod(path.c_str(), 0600) != 0 || listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return make_error("control socket " + path + ": " + why);
  }
  g_socket_path = path;
  g_socket_owner = getpid();
  std::atexit(remove_socket);
  std::thread(serve, fd).detach();
  started = true;
  return Status::success();
}

}  // namespace hotswap
