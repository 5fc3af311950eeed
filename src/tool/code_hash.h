// The code identity of a function in a linked release (common/hash.h function_body_hash):
// its bytes in the binary, with the fields that its object file's relocations fill in left
// out, so an unchanged function hashes the same in every release that contains it.
#pragma once

#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/hash.h"

namespace hotswap {

struct CodeHash {
  std::string hash;
  std::vector<CodeMask> mask;
};

// `objects` are the release's object files; the one defining the function (same identity
// and size) gives the relocated fields. A function from outside them is hashed unmasked.
CodeHash code_hash(const ElfFile& binary, const ElfSymbol& function, const std::vector<const ElfFile*>& objects);

}  // namespace hotswap
