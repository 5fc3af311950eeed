// What a patch file says it is, checked: its manifest, its id recomputed from its content,
// and its signature section parsed (not yet judged against a trust policy). The runtime
// reads every patch through this before anything of it is mapped; `hotswap verify`,
// `sign` and `apply --all` read patches the same way.
#pragma once

#include <string>

#include "common/elf_file.h"
#include "common/manifest.h"
#include "common/patch_signature.h"

namespace hotswap {

struct PatchIdentity {
  Manifest manifest;
  PatchSignature signature;  // present == false: unsigned
  bool has_signature_section = false;
  std::uint64_t signature_offset = 0;  // of the section in the file, when it has one
};

// Errors start with `label` (the patch's path) and say what is wrong: not a relocatable,
// no manifest, a bad manifest, an id that does not match, a malformed signature section.
Expected<PatchIdentity> identify_patch(const ElfFile& patch, const std::string& label);

}  // namespace hotswap
