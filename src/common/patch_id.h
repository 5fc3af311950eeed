// A patch's id: the BLAKE2b-256 hash (hex) of every section of the patch but the manifest
// and the signature (name, type, flags, alignment, links, bytes) and of the manifest itself
// with the id left empty. The writer stores it in the manifest; the runtime recomputes it
// and refuses a patch whose content does not match, before linking anything: a corrupted
// patch would otherwise run its static initializers, or its code later. A signature
// (common/patch_signature.h) signs this id, so it covers the whole content.
#pragma once

#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/manifest.h"

namespace hotswap {

inline constexpr std::size_t kPatchIdHexDigits = 64;

std::string compute_patch_id(const ElfFile& patch, const Manifest& manifest);

// Why a manifest's id cannot be the id of this patch, "" if it is: another length (an
// earlier hotswap's 64-bit hash), or another hash of the content.
std::string patch_id_problem(const ElfFile& patch, const Manifest& manifest);

// Rewrites the id in a patch's manifest (in place: an id has a fixed length) to the one its
// content has now. For tools that edit a patch: tests that craft bad ones, fuzzing. False,
// and nothing changed, when the bytes are not a patch with a manifest and an id.
bool reseal_patch(std::vector<unsigned char>& bytes);

}  // namespace hotswap
