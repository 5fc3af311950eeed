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

struct ProcessScan {
  std::vector<pid_t> matching;  // ascending: the processes running the build
  // Processes of the caller's own user whose executable /proc will not show (not dumpable:
  // prctl PR_SET_DUMPABLE 0, or setuid): which build they run is for their control socket
  // to tell.
  std::vector<pid_t> hidden;
};
// The processes running the build `build_id`, this one excepted. Another user's process
// that /proc will not show us is not ours to reach, and is not listed. `proc` is the /proc
// root (for tests).
ProcessScan processes_running(const std::string& build_id, const std::string& proc = "/proc");

}  // namespace hotswap
