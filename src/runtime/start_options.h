// What hotswap::start()'s options and the environment make of the process's policies
// (docs/signing.md): which patches it accepts, and who may change it over the socket.
#pragma once

#include <sys/types.h>

#include <hotswap/hotswap.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "common/patch_signature.h"

namespace hotswap {

// Who may apply and revert over the control socket. Not restricted: the process's user and
// root (whoever can reach the socket at all).
struct AccessPolicy {
  std::vector<uid_t> uids;
  std::vector<gid_t> gids;
  bool control_plane = true;
  bool restricted() const { return !uids.empty() || !gids.empty(); }
  std::string describe() const;
};

// A peer's credentials: its uid, and every group it is in (primary and supplementary).
struct PeerIdentity {
  uid_t uid = 0;
  std::vector<gid_t> groups;
};
bool access_allowed(const AccessPolicy& policy, const PeerIdentity& peer);

struct Policies {
  TrustPolicy trust;
  AccessPolicy access;
  // Why a policy could not be read ("" if it could). Then `trust` refuses every patch: a
  // process that was meant to check signatures must never fall back to not checking them.
  std::string problem;
};
Policies policies_from(const StartOptions& options);

// "1000, 1001": the numbers of a list of ids. An error names the bad item.
Expected<std::vector<unsigned>> parse_id_list(std::string_view text);

}  // namespace hotswap
