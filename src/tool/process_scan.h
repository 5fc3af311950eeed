// The processes that run one build, found through /proc: every process whose executable
// has the build-id of a given binary (the same release at any path, or a file replaced on
// disk since it started), among those the caller may inspect (its own, or all for root).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/expected.h"

namespace hotswap {

// The hex NT_GNU_BUILD_ID of the ELF file at `path`; an error if it has none.
Expected<std::string> build_id_of(const std::string& path);

// The pids, ascending, of the processes running the build `build_id`, this one excepted.
// A process /proc will not show us (another user's, for a user that is not root) is not
// ours to reach, and is not listed. `proc` is the /proc root (for tests).
std::vector<pid_t> processes_running(const std::string& build_id, const std::string& proc = "/proc");

}  // namespace hotswap
