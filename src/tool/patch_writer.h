// Writes a .hsp: the given objects linked into one relocatable (ld -r) with the manifest
// in a non-allocated section (docs/patch-format.md). Fills in the manifest's patch id.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"
#include "common/manifest.h"

namespace hotswap {

Status write_patch(const std::vector<std::string>& objects, Manifest& manifest, const std::string& output);

}  // namespace hotswap
