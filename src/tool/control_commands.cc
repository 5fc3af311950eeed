// `hotswap apply | status | revert | log | list`: the control socket's client.
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/control_protocol.h"
#include "tool/commands.h"

namespace hotswap {
namespace {

using nlohmann::json;

struct Reply {
  int exit_code = kExitDone;  // kExitUnreachable when the process could not be asked
  json body;
  std::string error;
};

Reply ask(pid_t pid, const json& request) {
  Reply reply;
  reply.exit_code = kExitUnreachable;
  auto dir = control_directory(/*create=*/false);
  if (!dir) {
    reply.error = "no control directory: " + dir.error().message;
    return reply;
  }
  std::string path = control_socket_path(*dir, pid);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    reply.error = "socket path too long: " + path;
    return reply;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    reply.error = "process " + std::to_string(pid) + " is unreachable: cannot connect to " + path + " (" +
                  std::strerror(errno) + "; did it call hotswap::start()?)";
    if (fd >= 0) close(fd);
    return reply;
  }
  set_io_timeouts(fd, kClientIoTimeoutMs);
  json req = request;
  req["protocol"] = kProtocolVersion;
  Status sent = write_frame(fd, req.dump());
  auto answer = sent ? read_frame(fd) : Expected<std::string>(sent.error());
  close(fd);
  if (!answer) {
    reply.error = "process " + std::to_string(pid) + " did not answer: " + answer.error().message;
    return reply;
  }
  try {
    reply.body = json::parse(*answer);
  } catch (const std::exception& e) {
    reply.error = std::string("malformed answer: ") + e.what();
    return reply;
  }
  reply.exit_code = reply.body.value("ok", false) ? kExitDone : kExitRefused;
  return reply;
}

int finish(const Reply& r, bool as_json, const std::function<void(const json&)>& print) {
  if (r.exit_code == kExitUnreachable) {
    if (as_json) std::cout << json{{"ok", false}, {"message", r.error}}.dump(1) << "\n";
    else std::cerr << "hotswap: " << r.error << "\n";
    return r.exit_code;
  }
  if (as_json) {
    std::cout << r.body.dump(1) << "\n";
  } else if (r.exit_code != kExitDone) {
    std::cerr << "hotswap: " << r.body.value("message", "refused") << "\n";
  } else {
    print(r.body);
  }
  return r.exit_code;
}

std::string micros(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

void print_chain(const json& body) {
  std::cout << "pid " << body.value("pid", 0) << "  version " << body.value("version", "") << "\n";
  int i = 0;
  for (const json& v : body.value("chain", json::array())) {
    if (i++ == 0) {
      std::cout << "  base    " << v.value("build_id", "") << "  " << v.value("path", "") << "\n";
    } else {
      std::cout << "  patch   " << v.value("build_id", "") << "  " << v.value("path", "") << "  ("
                << v.value("functions_redirected", 0) << " entries, pause " << micros(v.value("pause_ns", 0ULL))
                << ")\n";
    }
  }
}

}  // namespace

int run_control(const ControlOptions& o) {
  if (o.command == "list") return run_list(o.json);
  json request;
  if (o.command == "apply") {
    std::error_code ec;
    std::string path = std::filesystem::absolute(o.patch, ec).string();
    request = {{"op", "apply"}, {"path", path}, {"wait", !o.no_wait}};
  } else {
    request = {{"op", o.command}};
  }
  Reply r = ask(o.pid, request);
  return finish(r, o.json, [&](const json& body) {
    if (o.command == "status") {
      print_chain(body);
    } else if (o.command == "log") {
      for (const json& e : body.value("entries", json::array())) {
        std::time_t t = e.value("time_ms", 0LL) / 1000;
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
        std::cout << when << "  " << e.value("action", "") << (e.value("ok", false) ? "  ok      " : "  refused ")
                  << e.value("message", "");
        if (e.value("pause_ns", 0ULL)) std::cout << "  (pause " << micros(e.value("pause_ns", 0ULL)) << ")";
        std::cout << "\n";
      }
    } else {
      std::cout << body.value("message", "") << "\n";
      if (body.value("pause_ns", 0ULL)) std::cout << "pause " << micros(body.value("pause_ns", 0ULL)) << "\n";
    }
  });
}

int run_list(bool as_json) {
  json out = json::array();
  if (auto dir = control_directory(false); dir) {
    for (const auto& entry : std::filesystem::directory_iterator(*dir)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".sock") continue;
      pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
      if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) continue;  // a dead process's socket
      Reply r = ask(pid, {{"op", "hello"}});
      if (r.exit_code != kExitDone) continue;
      json chain = r.body.value("chain", json::array());
      out.push_back({{"pid", pid},
                     {"version", r.body.value("version", "")},
                     {"program", chain.empty() ? "" : chain[0].value("path", "")},
                     {"patches", chain.empty() ? 0 : chain.size() - 1}});
    }
  }
  if (as_json) {
    std::cout << out.dump(1) << "\n";
  } else {
    for (const json& p : out)
      std::cout << p["pid"] << "  " << p["version"].get<std::string>().substr(0, 12) << "  " << p["patches"]
                << " patches  " << p["program"].get<std::string>() << "\n";
  }
  return kExitDone;
}

}  // namespace hotswap
