// Step 1 of applying a patch: read the .hsp and its manifest (docs/patch-format.md).
#pragma once

#include <memory>
#include <string>

#include "common/elf_file.h"
#include "common/manifest.h"

namespace hotswap {

inline constexpr std::size_t kMaxPatchBytes = 512u << 20;

struct PatchFile {
  std::string path;
  std::unique_ptr<ElfFile> elf;
  Manifest manifest;
};

Expected<PatchFile> read_patch(const std::string& path);

}  // namespace hotswap
