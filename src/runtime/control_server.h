// The control plane inside the program: the control socket (common/control_protocol.h)
// served for the `hotswap` tool. Started by hotswap::start() only.
#pragma once

#include <sys/socket.h>

#include <mutex>
#include <optional>
#include <string>

#include "common/expected.h"
#include "runtime/runtime.h"

namespace hotswap {

// Creates the socket and starts the thread that accepts connections; does nothing if
// already running. Each connection is served on a thread of its own.
Status start_control_server();

// Whether a connected peer may control this process: the same user, or root.
bool peer_allowed(const ucred& peer);

// A no-wait apply's commit, made once its answer is sent. From the staging on it holds the
// control plane's lock on changes, so no other apply or revert comes in between.
struct DeferredCommit {
  std::optional<StagedPatch> patch;
  std::unique_lock<std::mutex> changes;
};

// Answers one request (a JSON text) with a response (a JSON text); never throws. A no-wait
// apply fills `after_reply`: the caller sends the response, then commits.
std::string handle_control_request(const std::string& request, DeferredCommit& after_reply);

}  // namespace hotswap
