// The runtime's one instance: holds the state and runs a patch through its steps.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <hotswap/hotswap.h>

#include "runtime/runtime_state.h"

namespace hotswap {

class Runtime {
 public:
  static Runtime& instance();

  Result start();
  Result apply(const std::string& path);
  Result revert();
  std::string current_version();
  std::vector<Version> versions();

 private:
  Status ensure_started();  // REQUIRES: mu_ held

  std::mutex mu_;
  RuntimeState state_;
};

}  // namespace hotswap
