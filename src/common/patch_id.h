// A patch's id: the BLAKE2b-256 hash (hex) of the patch file's every byte, with two
// windows blanked: the 64 digits of the id itself in the manifest (as '0's) and the
// signature section (as zeros). Everything else — ELF header, section headers, every
// section, the manifest's text — is hashed as it is, so two files with one id link the
// same. The writer puts 64 '0's where the id goes, hashes, and writes the id in place;
// the runtime recomputes it and refuses a patch whose content does not match, before
// linking anything. A signature (common/patch_signature.h) signs this id.
#pragma once

#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/expected.h"

namespace hotswap {

inline constexpr std::size_t kPatchIdHexDigits = 64;
inline const std::string kPatchIdPlaceholder(kPatchIdHexDigits, '0');

// The id this patch's content has, whatever its manifest says; an error when the patch has
// no single manifest section holding a 64-digit id, or a signature section of another size.
Expected<std::string> compute_patch_id(const ElfFile& patch);

// Why the manifest's id `claimed` is not the id of this patch, "" if it is: another length
// (an earlier hotswap's 64-bit hash), or another hash of the content.
std::string patch_id_problem(const ElfFile& patch, const std::string& claimed);

// Rewrites the id in a patch's manifest in place to the one its content has now. For the
// writer, and tools that edit a patch (tests that craft bad ones, fuzzing). False, and
// nothing changed, when the bytes are not a patch with a manifest and a 64-digit id.
bool reseal_patch(std::vector<unsigned char>& bytes);

}  // namespace hotswap
