// Step 1 of applying a patch: read the .hsp and its manifest (docs/patch-format.md), and
// check its id and signature against the process's trust policy (docs/signing.md) before
// anything of it is placed in memory.
#pragma once

#include <memory>
#include <string>

#include "common/elf_file.h"
#include "common/manifest.h"
#include "common/patch_signature.h"

namespace hotswap {

inline constexpr std::size_t kMaxPatchBytes = 512u << 20;

struct PatchFile {
  std::string path;
  std::unique_ptr<ElfFile> elf;
  Manifest manifest;
  std::string key_id;  // the key that signed it, "" if unsigned
};

Expected<PatchFile> read_patch(const std::string& path, const TrustPolicy& policy = {});

}  // namespace hotswap
