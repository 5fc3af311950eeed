// The tool's side of the control socket: one request to a running program, one answer,
// and how the exchange ended (docs/control.md).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace hotswap {

struct Reply {
  // kExitDone or kExitRefused by the answer's "ok"; kExitUnreachable when no connection
  // was made; kExitProtocolError when one was, but no answer by the protocol came back.
  int exit_code = 0;
  nlohmann::json body;  // the answer: an object with protocol, ok and message
  std::string error;    // what went wrong, when there is no answer
};

// Sends `request` (the protocol version is added) to process `pid` and waits for its answer.
// `waits`: how long the process may wait before answering (an update's wait for a safe
// moment); the answer is awaited that much longer than usual.
Reply ask(pid_t pid, const nlohmann::json& request, std::chrono::milliseconds waits = {});
// The same at a socket already found (find_control_socket).
Reply ask_at(pid_t pid, const std::string& socket, const nlohmann::json& request, std::chrono::milliseconds waits = {});

}  // namespace hotswap
