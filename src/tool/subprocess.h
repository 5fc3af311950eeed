// Runs a helper program (ld, objcopy) and reports its failure as an Error.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"

namespace hotswap {

Status run_program(const std::vector<std::string>& argv);

}  // namespace hotswap
