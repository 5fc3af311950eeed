// The control plane inside the program: a thread serving the control socket
// (common/control_protocol.h) for the `hotswap` tool. Started by hotswap::start() only.
#pragma once

#include <string>

#include <sys/socket.h>

#include "common/expected.h"

namespace hotswap {

// Creates the socket and starts the thread; does nothing if already running.
Status start_control_server();

// Whether a connected peer may control this process: the same user, or root.
bool peer_allowed(const ucred& peer);

// Answers one request (a JSON text) with a response (a JSON text). A no-wait apply sets
// `commit_after_reply`: its staged patch commits after the response is sent.
std::string handle_control_request(const std::string& request, bool& commit_after_reply);

}  // namespace hotswap
