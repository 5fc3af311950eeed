#include "tool/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/control_protocol.h"
#include "tool/commands.h"
#include "tool/target_socket.h"

namespace hotswap {
namespace {

using nlohmann::json;

Reply failed(int exit_code, std::string error) {
  Reply r;
  r.exit_code = exit_code;
  r.error = std::move(error);
  return r;
}

// A connected socket to the program, or why there is none.
Expected<int> connect_to(pid_t pid, const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return make_error("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return make_error("cannot connect to " + path + " (" + why +
                      "; did it call hotswap::start()?)");
  }
  // The socket is served by the process we mean, not by whoever took its name (root
  // follows paths another user controls).
  ucred server{};
  socklen_t len = sizeof server;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &server, &len) != 0 || server.pid != pid) {
    close(fd);
    return make_error(path + " is served by process " + std::to_string(server.pid) + ", not " +
                      std::to_string(pid));
  }
  return fd;
}

// Why `answer` is not an answer of this protocol, or "" if it is one.
std::string protocol_problem(const json& answer) {
  if (!answer.is_object()) return "the answer is not a JSON object";
  auto protocol = answer.find("protocol");
  if (protocol == answer.end() || !protocol->is_number_integer() ||
      protocol->get<std::int64_t>() != kProtocolVersion)
    return "the answer is not of protocol version " + std::to_string(kProtocolVersion);
  auto ok = answer.find("ok");
  if (ok == answer.end() || !ok->is_boolean()) return "the answer has no \"ok\"";
  if (auto message = answer.find("message"); message != answer.end() && !message->is_string())
    return "the answer's \"message\" is not a string";
  return "";
}

}  // namespace

Reply ask(pid_t pid, const json& request, std::chrono::milliseconds waits) {
  auto found = find_control_socket(pid);
  if (!found) return failed(kExitUnreachable, "process " + std::to_string(pid) + " is unreachable: " + found.error().message);
  return ask_at(pid, *found, request, waits);
}

Reply ask_at(pid_t pid, const std::string& socket, const json& request, std::chrono::milliseconds waits) {
  std::string who = "process " + std::to_string(pid);
  auto fd = connect_to(pid, socket);
  if (!fd) return failed(kExitUnreachable, who + " is unreachable: " + fd.error().message);
  Deadline deadline = deadline_after(kClientDeadline + waits);
  json req = request;
  req["protocol"] = kProtocolVersion;
  Status sent =
      write_frame(*fd, req.dump(-1, ' ', false, json::error_handler_t::replace), deadline);
  // A program that refuses (busy, permission denied) answers without reading and closes:
  // the send fails, and the answer is there to read all the same.
  auto answer = read_frame(*fd, deadline);
  if (!answer && !sent) answer = sent.error();
  close(*fd);
  std::string problem = "protocol error: " + who + " ";
  if (!answer)
    return failed(kExitProtocolError, problem + "gave no answer: " + answer.error().message);
  Reply reply;
  reply.body = json::parse(*answer, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded())
    return failed(kExitProtocolError, problem + "answered with malformed JSON");
  if (std::string why = protocol_problem(reply.body); !why.empty())
    return failed(kExitProtocolError, problem + why);
  reply.exit_code = reply.body["ok"].get<bool>() ? kExitDone : kExitRefused;
  return reply;
}

}  // namespace hotswap
