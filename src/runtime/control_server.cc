#include "runtime/control_server.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "common/control_protocol.h"
#include "common/control_socket.h"
#include "runtime/control_request.h"
#include "runtime/control_responses.h"
#include "runtime/thread_sampler.h"

namespace hotswap {
namespace {

// Connections served at once. A client may hold one for kServerDeadline while it sends its
// request (longer only while its apply or revert runs); one more is answered "busy" at once
// rather than kept waiting behind them.
constexpr int kMaxConnections = 8;

std::string g_socket_path;
AccessPolicy g_access;  // set before the accepting thread starts, never after
pid_t g_socket_owner = 0;  // the process that created the socket
std::atomic<int> g_connections{0};

// Applies and reverts over the socket run one at a time, a no-wait apply from its staging
// to its commit after the answer. The runtime's mutex serializes each step; this keeps the
// steps of one request together.
std::mutex g_changes;

std::string apply_answer(const ControlRequest& request, DeferredCommit& after_reply, const Requester& by) {
  std::unique_lock changes(g_changes);
  Runtime& rt = Runtime::instance();
  if (request.wait) {
    Result r = rt.apply(request.path, std::chrono::milliseconds(request.timeout_ms.value_or(0)), by);
    return change_response(r, rt.current_version());
  }
  auto staged = rt.stage(request.path, by);
  if (!staged) return plain_response(false, staged.error().message);
  staged->update_timeout = std::chrono::milliseconds(request.timeout_ms.value_or(0));
  after_reply.patch = std::move(*staged);
  after_reply.changes = std::move(changes);
  return staged_response();
}

std::string revert_answer(const ControlRequest& request, const Requester& by) {
  std::lock_guard changes(g_changes);
  Result r = Runtime::instance().revert(std::chrono::milliseconds(request.timeout_ms.value_or(0)), by, request.patch_id);
  return change_response(r, Runtime::instance().current_version());
}

// The peer's credentials, or why there are none.
Expected<Peer> peer_of(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return make_error(std::string("permission denied: no peer credentials: ") + std::strerror(errno));
  Peer peer;
  peer.requester = Requester{"socket", cred.pid, cred.uid, cred.gid};
  peer.identity.uid = cred.uid;
  peer.identity.groups.push_back(cred.gid);
  // Its supplementary groups as of its connect (Linux 4.13); without them, the primary
  // only. ERANGE tells the size a longer list needs.
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 3; ++attempt) {
    len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      peer.identity.groups.insert(peer.identity.groups.end(), groups.begin(), groups.begin() + len / sizeof(gid_t));
      break;
    }
    if (errno != ERANGE) break;
    groups.resize(len / sizeof(gid_t) + 1);
  }
  return peer;
}

// The refusal for a peer that may not talk to this process at all, or "": only its user
// and root reach the socket (its directory is theirs alone), and only they are answered.
std::string peer_refusal(const Peer& peer) {
  if (peer.identity.uid == 0 || peer.identity.uid == getuid()) return "";
  return plain_response(false, "permission denied: peer uid " + std::to_string(peer.identity.uid) +
                                   " is neither this process's user nor root");
}

// One connection: its request must be in by `request_deadline`, however it trickles.
void serve_connection(int fd, Deadline request_deadline) {
  RuntimeThread runtime_thread;
  DeferredCommit after_reply;
  try {
    auto peer = peer_of(fd);
    std::string answer = peer ? peer_refusal(*peer) : plain_response(false, peer.error().message);
    if (answer.empty()) {
      auto request = read_frame(fd, request_deadline);
      answer = request ? handle_control_request(*request, after_reply, *peer, g_access)
                       : plain_response(false, "bad request: " + request.error().message);
    }
    (void)write_frame(fd, answer, deadline_after(kServerDeadline));
    close(fd);
    fd = -1;
    if (after_reply.patch)
      Runtime::instance().commit(std::move(*after_reply.patch));  // journaled either way
  } catch (...) {
    // Nothing may escape a thread of the control plane: it would end the program.
    if (fd >= 0) close(fd);
  }
  --g_connections;
}

void refuse_busy(int fd) {
  (void)write_frame(fd,
                    plain_response(false, "busy: " + std::to_string(kMaxConnections) +
                                              " requests are being served; try again"),
                    deadline_after(std::chrono::milliseconds(100)));
  close(fd);
}

void accept_connections(int listener) {
  RuntimeThread runtime_thread;
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
    Deadline request_deadline = deadline_after(kServerDeadline);
    if (g_connections.fetch_add(1) >= kMaxConnections) {
      --g_connections;
      refuse_busy(fd);
      continue;
    }
    try {
      std::thread(serve_connection, fd, request_deadline).detach();
    } catch (const std::system_error&) {
      --g_connections;
      refuse_busy(fd);
    }
  }
}

// At exit. A forked child inherits this handler with the socket path: when it exits, the
// socket is still its parent's and stays.
void remove_socket() {
  if (!g_socket_path.empty() && getpid() == g_socket_owner) unlink(g_socket_path.c_str());
}

}  // namespace

std::string handle_control_request(const std::string& text, DeferredCommit& after_reply, const Peer& peer,
                                   const AccessPolicy& access) {
  try {
    auto request = parse_control_request(text);
    if (!request) return plain_response(false, request.error().message);
    Runtime& rt = Runtime::instance();
    if ((request->op == "apply" || request->op == "revert") && !access_allowed(access, peer.identity)) {
      std::string message = "permission denied: uid " + std::to_string(peer.identity.uid) + " may not " + request->op +
                            " patches in this process (" + access.describe() + ")";
      JournalEntry refused{0, request->op, false, request->path, "", rt.current_version(), "", message, 0, 0, {}, ""};
      refused.by = peer.requester;
      refused.patch_id = request->patch_id;  // a revert's named patch, if any
      rt.record(std::move(refused));
      return plain_response(false, message);
    }
    if (request->op == "apply") return apply_answer(*request, after_reply, peer.requester);
    if (request->op == "revert") return revert_answer(*request, peer.requester);
    if (request->op == "log") return log_response(rt.journal(), *request);
    Policies policies = rt.policies();
    return status_response(getpid(), rt.current_version(), rt.versions(),
                           {policies.trust.describe(), policies.access.describe()});
  } catch (const std::exception& e) {
    return plain_response(false, std::string("internal error: ") + e.what());
  }
}

Status start_control_server(const AccessPolicy& access) {
  static std::mutex mu;
  static bool started = false;
  std::lock_guard lock(mu);
  if (started || !access.control_plane) return Status::success();
  g_access = access;
  auto dir = control_directory(/*create=*/true);
  if (!dir) return make_error("control socket: " + dir.error().message);
  // Held until the socket listens (common/control_socket.h). A lock held too long by
  // someone else costs the sweep, not the control plane.
  auto directory_lock = DirectoryLock::acquire(*dir, std::chrono::seconds(1));
  if (directory_lock) remove_stale_sockets(*dir, *directory_lock);
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
  // The control plane's threads (this one and the connection threads it starts) take no
  // program signal: no program handler may run on a thread reclamation does not hold
  // (thread_sampler.h), and the program's signals belong to its own threads anyway.
  struct BlockedSignals {
    sigset_t previous;
    BlockedSignals() {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &previous);
    }
    ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
  };
  {
    BlockedSignals while_starting;  // the new thread inherits the mask
    std::thread(accept_connections, fd).detach();
  }
  started = true;
  return Status::success();
}

}  // namespace hotswap
