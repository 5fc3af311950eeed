// The subcommands of the `hotswap` tool. Each returns the process exit code:
// 0 done, 1 refused, 2 usage, 3 process unreachable, 4 protocol error (docs/control.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hotswap {

inline constexpr int kExitDone = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;
inline constexpr int kExitProtocolError = 4;  // the process answered, but not by the protocol

struct RecordOptions {
  std::string binary;
  std::string compiler;
  std::string flags;
  std::string source_root;
  std::vector<std::string> objects;
  std::vector<std::string> include_dirs;
  std::vector<std::string> defines;
};
int run_record(const RecordOptions& options);

struct PackOptions {
  std::string old_binary;
  std::string new_binary;
  std::vector<std::string> functions;  // "name" or "file:name"; mangled or demangled
  std::vector<std::string> sources;    // whole translation units, by STT_FILE name
  std::string output;
  bool json = false;
};
int run_pack(const PackOptions& options);

// apply / status / revert / log on a running process, over its control socket.
struct ControlOptions {
  std::string command;
  int pid = 0;
  std::string patch;  // apply
  bool no_wait = false;
  std::uint64_t timeout_ms = 0;  // apply, revert: the wait for a safe moment (0: the process's)
  std::uint64_t last = 0;  // log: only the newest entries, this many (0: all it keeps)
  bool json = false;
};
int run_control(const ControlOptions& options);
int run_list(bool json);

}  // namespace hotswap
