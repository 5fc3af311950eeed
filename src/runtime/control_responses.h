// The program's answers on the control socket. Each fits in one frame (kMaxMessageBytes)
// whatever the length of the version chain or the journal: a long list is cut to its
// newest part and the answer says so (docs/control.md).
#pragma once

#include <hotswap/hotswap.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/control_request.h"
#include "runtime/journal.h"

namespace hotswap {

// {ok, message}: a refusal, a bad request, a busy server.
std::string plain_response(bool ok, const std::string& message);

// apply and revert: the outcome, its pause and the version now running.
std::string change_response(const Result& result, const std::string& version);

// A no-wait apply: staged, and committing right after this answer.
std::string staged_response();

// What status says of the process's policies (runtime/start_options.h).
struct PolicyText {
  std::string trust;   // which patches it accepts
  std::string access;  // who may change it
};

// status: the base, then as many of the newest versions as fit; `chain_length` counts the
// whole chain.
std::string status_response(pid_t pid, const std::string& version,
                            const std::vector<Version>& chain, const PolicyText& policy = {});

// log: of `entries` (oldest first, as the journal keeps them), the newest ones that the
// request selects (`before`, `limit`) and that fit; `more` tells that older ones remain.
std::string log_response(const std::vector<JournalEntry>& entries, const ControlRequest& request);

}  // namespace hotswap
