// The little the diff needs to know about x86-64 relocation kinds: how many bytes each one
// patches and whether its addend is relative to the place (so the target is a few bytes
// past addend: the end of the field, plus any immediate that follows it).
// TODO(arch): move to src/arch/x86_64 when its relocation table is shared with the tool.
#pragma once

#include <elf.h>

#include <cstdint>

namespace hotswap::diff {

// Bytes of the field a relocation writes; 0 for kinds that write nothing (R_X86_64_NONE)
// or that the diff does not know (their bytes are then compared as they are).
inline int relocation_field_size(std::uint32_t type) {
  switch (type) {
    case R_X86_64_64:
    case R_X86_64_PC64:
    case R_X86_64_GOTOFF64:
    case R_X86_64_GOTPC64:
    case R_X86_64_SIZE64:
    case R_X86_64_DTPOFF64:
    case R_X86_64_TPOFF64:
    case R_X86_64_DTPMOD64:
      return 8;
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
    case R_X86_64_GOT32:
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
    case R_X86_64_32:
    case R_X86_64_32S:
    case R_X86_64_GOTPC32:
    case R_X86_64_SIZE32:
    case R_X86_64_TLSGD:
    case R_X86_64_TLSLD:
    case R_X86_64_DTPOFF32:
    case R_X86_64_GOTTPOFF:
    case R_X86_64_TPOFF32:
    case R_X86_64_GOTPC32_TLSDESC:
      return 4;
    default:
      return 0;
  }
}

inline bool is_pc_relative(std::uint32_t type) {
  switch (type) {
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
    case R_X86_64_PC64:
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
    case R_X86_64_GOTPC32:
    case R_X86_64_GOTPC64:
    case R_X86_64_TLSGD:
    case R_X86_64_TLSLD:
    case R_X86_64_GOTTPOFF:
    case R_X86_64_GOTPC32_TLSDESC:
      return true;
    default:
      return false;
  }
}

}  // namespace hotswap::diff
