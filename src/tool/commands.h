// The subcommands of the `hotswap` tool. Each returns the process exit code:
// 0 done, 1 refused, 2 usage, 3 process unreachable, 4 protocol error (docs/control.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"

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
  std::string only_patch;  // revert: only if the last patch is this one (a file or an id)
  std::uint64_t last = 0;  // log: only the newest entries, this many (0: all it keeps)
  bool json = false;
};
int run_control(const ControlOptions& options);
int run_list(bool json);

// apply / status / revert --all BINARY: every process of a build (docs/fleet.md).
struct FleetOptions {
  std::string command;  // "apply", "status", "revert"
  std::string binary;
  std::string patch;  // apply: the patch; revert: "" or the patch (a file or an id) to revert
  std::uint64_t limit = 0;  // apply: change at most this many processes (0: all)
  unsigned jobs = 0;        // requests at once (0: 32)
  std::uint64_t timeout_ms = 0;
  bool json = false;
};
int run_fleet(const FleetOptions& options);

// keygen / sign / verify (docs/signing.md).
struct KeygenOptions {
  std::string output;  // KEY; the public key goes to KEY.pub
};
int run_keygen(const KeygenOptions& options);
struct SignOptions {
  std::string patch;
  std::string key;
};
int run_sign(const SignOptions& options);
struct VerifyOptions {
  std::string patch;
  std::string trusted_keys;  // a trusted-keys file; "" checks integrity only
};
int run_verify(const VerifyOptions& options);
// Signs `patch` in place with the secret key in `key`; `key_id` gets the key's id.
Status sign_patch_file(const std::string& patch, const std::string& key, std::string& key_id);
// Whether `key` is a secret key file that can sign.
Status signing_key_usable(const std::string& key);
// The patch id a --patch argument names: a patch file's id, or 12 to 64 hex digits of one.
Expected<std::string> patch_id_argument(const std::string& given);

}  // namespace hotswap
