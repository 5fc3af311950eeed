// nlohmann::json whose blocks are wiped when freed (scrubbing_allocator.h), for the JSON
// a running program's runtime parses at every apply: the patch's manifest, a control
// request.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/scrubbing_allocator.h"

namespace hotswap {

using ScrubbedJson = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t, std::uint64_t,
                                          double, ScrubbingAllocator>;

}  // namespace hotswap
