// The control plane inside the program: the control socket (common/control_protocol.h)
// served for the `hotswap` tool. Started by hotswap::start() only.
#pragma once

#include <sys/socket.h>

#include <mutex>
#include <optional>
#include <string>

#include "common/expected.h"
#include "runtime/runtime.h"
#include "runtime/start_options.h"

namespace hotswap {

// Creates the socket and starts the thread that accepts connections; does nothing if
// already running, or if `access` turns the control plane off. Each connection is served
// on a thread of its own.
Status start_control_server(const AccessPolicy& access);

// A connected peer: what the kernel says of it (SO_PEERCRED, SO_PEERGROUPS).
struct Peer {
  Requester requester;  // via "socket", pid, uid, gid
  PeerIdentity identity;
};

// A no-wait apply's commit, made once its answer is sent. From the staging on it holds the
// control plane's lock on changes, so no other apply or revert comes in between.
struct DeferredCommit {
  std::optional<StagedPatch> patch;
  std::unique_lock<std::mutex> changes;
};

// Answers one request (a JSON text) with a response (a JSON text); never throws. A no-wait
// apply fills `after_reply`: the caller sends the response, then commits. Any peer that
// reached the socket may ask for status and the log; apply and revert are refused unless
// `access` allows the peer.
std::string handle_control_request(const std::string& request, DeferredCommit& after_reply, const Peer& peer,
                                   const AccessPolicy& access);

}  // namespace hotswap
