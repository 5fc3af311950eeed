#include "runtime/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/control_protocol.h"
#include "runtime/runtime.h"

namespace hotswap {
namespace {

using nlohmann::json;

std::string g_socket_path;
std::optional<StagedPatch> g_deferred;  // only touched by the control thread

json response(bool ok, const std::string& message) {
  return json{{"protocol", kProtocolVersion}, {"ok", ok}, {"message", message}};
}

json version_json(const Version& v) {
  return json{{"build_id", v.build_id}, {"patch_id", v.patch_id}, {"path", v.patch_path},
              {"pause_ns", v.pause_ns}, {"functions_redirected", v.functions_redirected}};
}

json status_json() {
  Runtime& rt = Runtime::instance();
  json chain = json::array();
  for (const Version& v : rt.versions()) chain.push_back(version_json(v));
  json r = response(true, "");
  r["pid"] = getpid();
  r["version"] = rt.current_version();
  r["chain"] = chain;
  return r;
}

json log_json() {
  json entries = json::array();
  for (const JournalEntry& e : Runtime::instance().journal()) entries.push_back(json::parse(journal_entry_json(e)));
  json r = response(true, "");
  r["entries"] = entries;
  return r;
}

json apply_json(const json& request, bool& commit_after_reply) {
  if (!request.contains("path") || !request["path"].is_string()) return response(false, "apply needs a \"path\"");
  std::string path = request["path"].get<std::string>();
  bool wait = !request.contains("wait") || !request["wait"].is_boolean() || request["wait"].get<bool>();
  Runtime& rt = Runtime::instance();
  if (wait) {
    Result r = rt.apply(path);
    json out = response(r.ok, r.message);
    out["pause_ns"] = r.pause_ns;
    out["version"] = rt.current_version();
    return out;
  }
  auto staged = rt.stage(path);
  if (!staged) return response(false, staged.error().message);
  g_deferred = std::move(*staged);
  commit_after_reply = true;
  json out = response(true, "staged; it commits now (code-only patch)");
  out["staged"] = true;
  return out;
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
      (void)write_frame(fd, response(false, "permission denied: peer uid " + std::to_string(peer.uid) +
                                                " is neither this process's user nor root").dump());
    } else if (auto request = read_frame(fd); !request) {
      (void)write_frame(fd, response(false, "bad request: " + request.error().message).dump());
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

void remove_socket() {
  if (!g_socket_path.empty()) unlink(g_socket_path.c_str());
}

}  // namespace

bool peer_allowed(const ucred& peer) { return peer.uid == 0 || peer.uid == getuid(); }

std::string handle_control_request(const std::string& text, bool& commit_after_reply) {
  try {
    json request = json::parse(text);
    if (!request.is_object()) return response(false, "bad request: not a JSON object").dump();
    if (!request.contains("protocol") || !request["protocol"].is_number_integer() ||
        request["protocol"].get<int>() != kProtocolVersion)
      return response(false, "bad request: protocol version " + std::to_string(kProtocolVersion) + " expected").dump();
    std::string op = request.contains("op") && request["op"].is_string() ? request["op"].get<std::string>() : "";
    if (op == "hello" || op == "status") return status_json().dump();
    if (op == "apply") return apply_json(request, commit_after_reply).dump();
    if (op == "revert") {
      Result r = Runtime::instance().revert();
      json out = response(r.ok, r.message);
      out["pause_ns"] = r.pause_ns;
      out["version"] = Runtime::instance().current_version();
      return out.dump();
    }
    if (op == "log") return log_json().dump();
    return response(false, "bad request: unknown op \"" + op + "\"").dump();
  } catch (const std::exception& e) {
    return response(false, std::string("bad request: ") + e.what()).dump(-1, ' ', false, json::error_handler_t::replace);
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
  if (path.size() >= sizeof addr.sun_path) return make_error("control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("control socket: ") + std::strerror(errno));
  unlink(path.c_str());  // a stale socket of an earlier process with our pid
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || chmod(path.c_str(), 0600) != 0 ||
      listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return make_error("control socket " + path + ": " + why);
  }
  g_socket_path = path;
  std::atexit(remove_socket);
  std::thread(serve, fd).detach();
  started = true;
  return Status::success();
}

}  // namespace hotswap
