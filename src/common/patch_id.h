// A patch's id: a content hash over every section of the patch but the manifest (name,
// type, flags, alignment, links, bytes) and the manifest itself with the id left empty.
// The writer stores it in the manifest; the runtime recomputes it and refuses a patch
// whose content does not match, before linking anything: a corrupted patch would otherwise
// run its static initializers, or its code later. (Integrity, not authenticity: FNV-1a is
// not a signature.)
#pragma once

#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/manifest.h"

namespace hotswap {

std::string compute_patch_id(const ElfFile& patch, const Manifest& manifest);

// Rewrites the id in a patch's manifest (in place: an id has a fixed length) to the one its
// content has now. For tools that edit a patch: tests that craft bad ones, fuzzing. False,
// and nothing changed, when the bytes are not a patch with a manifest and an id.
bool reseal_patch(std::vector<unsigned char>& bytes);

}  // namespace hotswap
