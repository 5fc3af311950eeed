// `hotswap diff OLD NEW -o PATCH [--json] [--transform FILE]`: the semi-automatic patch
// generator (docs/diff.md).
#pragma once

#include <string>

namespace hotswap {

struct DiffOptions {
  std::string old_binary;
  std::string new_binary;
  std::string output;
  std::string transform;  // compiled into the patch: transformers and stubs
  std::string sign;       // a secret key (hotswap keygen): the patch is written signed
  bool json = false;
};

// Exit codes as tool/commands.h: 0 patch written, 1 refused, 2 usage.
int run_diff(const DiffOptions& options);

}  // namespace hotswap
