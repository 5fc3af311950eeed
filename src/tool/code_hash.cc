#include "tool/code_hash.h"

#include <elf.h>

#include "arch/x86_64/relocations.h"
#include "common/symbol_index.h"

namespace hotswap {
namespace {

std::vector<CodeMask> relocated_fields(const ElfSymbol& function, const std::vector<const ElfFile*>& objects) {
  SymbolRef id = identity_of(function);
  for (const ElfFile* object : objects) {
    for (const ElfSymbol& s : object->symbols()) {
      if (s.type != STT_FUNC || s.shndx == SHN_UNDEF || s.size != function.size || s.name != function.name ||
          !(identity_of(s) == id))
        continue;
      std::vector<CodeMask> mask;
      for (const ElfRelocation& r : object->relocations_for(s.shndx)) {
        std::size_t width = x86_64::relocation_width(r.type);
        if (width && r.offset >= s.value && r.offset + width <= s.value + s.size)
          mask.push_back({static_cast<std::uint32_t>(r.offset - s.value), static_cast<std::uint32_t>(width)});
      }
      return mask;
    }
  }
  return {};
}

}  // namespace

CodeHash code_hash(const ElfFile& binary, const ElfSymbol& function, const std::vector<const ElfFile*>& objects) {
  CodeHash h;
  h.mask = relocated_fields(function, objects);
  h.hash = function_body_hash(binary.symbol_bytes(function), h.mask);
  return h;
}

}  // namespace hotswap
