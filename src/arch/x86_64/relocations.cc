#include "arch/x86_64/relocations.h"

#include <elf.h>

#include <cstring>
#include <limits>

namespace hotswap::x86_64 {

RelocClass classify(std::uint32_t type) {
  switch (type) {
    case R_X86_64_NONE: return RelocClass::kNone;
    case R_X86_64_64:
    case R_X86_64_32:
    case R_X86_64_32S: return RelocClass::kAbsolute;
    case R_X86_64_PC32:
    case R_X86_64_PC64: return RelocClass::kPcRelative;
    case R_X86_64_PLT32: return RelocClass::kCall;
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX: return RelocClass::kGotEntry;
    case R_X86_64_GOTTPOFF: return RelocClass::kGotTpoff;
    case R_X86_64_TPOFF32:
    case R_X86_64_TPOFF64: return RelocClass::kTpoff;
    case R_X86_64_SIZE32:
    case R_X86_64_SIZE64: return RelocClass::kSize;
    case R_X86_64_GOTOFF64: return RelocClass::kGotRelative;
    case R_X86_64_GOTPC32:
    case R_X86_64_GOTPC64: return RelocClass::kGotBasePc;
    default: return RelocClass::kUnsupported;
  }
}

const char* relocation_name(std::uint32_t type) {
  switch (type) {
#define NAME(x) \
  case x: return #x;
    NAME(R_X86_64_NONE) NAME(R_X86_64_64) NAME(R_X86_64_PC32) NAME(R_X86_64_GOT32)
    NAME(R_X86_64_PLT32) NAME(R_X86_64_COPY) NAME(R_X86_64_GLOB_DAT) NAME(R_X86_64_JUMP_SLOT)
    NAME(R_X86_64_RELATIVE) NAME(R_X86_64_GOTPCREL) NAME(R_X86_64_32) NAME(R_X86_64_32S)
    NAME(R_X86_64_16) NAME(R_X86_64_PC16) NAME(R_X86_64_8) NAME(R_X86_64_PC8)
    NAME(R_X86_64_DTPMOD64) NAME(R_X86_64_DTPOFF64) NAME(R_X86_64_TPOFF64) NAME(R_X86_64_TLSGD)
    NAME(R_X86_64_TLSLD) NAME(R_X86_64_DTPOFF32) NAME(R_X86_64_GOTTPOFF) NAME(R_X86_64_TPOFF32)
    NAME(R_X86_64_PC64) NAME(R_X86_64_GOTOFF64) NAME(R_X86_64_GOTPC32) NAME(R_X86_64_GOT64)
    NAME(R_X86_64_GOTPCREL64) NAME(R_X86_64_GOTPC64) NAME(R_X86_64_GOTPLT64) NAME(R_X86_64_PLTOFF64)
    NAME(R_X86_64_SIZE32) NAME(R_X86_64_SIZE64) NAME(R_X86_64_GOTPC32_TLSDESC)
    NAME(R_X86_64_TLSDESC_CALL) NAME(R_X86_64_TLSDESC) NAME(R_X86_64_IRELATIVE)
    NAME(R_X86_64_GOTPCRELX) NAME(R_X86_64_REX_GOTPCRELX)
#undef NAME
    default: return "R_X86_64_<unknown>";
  }
}

std::string unsupported_reason(std::uint32_t type) {
  switch (type) {
    case R_X86_64_TLSGD:
    case R_X86_64_TLSLD:
    case R_X86_64_DTPOFF32:
    case R_X86_64_DTPOFF64:
    case R_X86_64_GOTPC32_TLSDESC:
    case R_X86_64_TLSDESC_CALL:
      return "dynamic TLS models (code built with -fPIC) are not supported; build the program as PIE";
    case R_X86_64_GOT64:
    case R_X86_64_GOTPCREL64:
    case R_X86_64_GOTPLT64:
    case R_X86_64_PLTOFF64:
      return "the large code model is not supported";
    default:
      return "this relocation kind does not occur in objects the supported compilers emit";
  }
}

std::size_t relocation_width(std::uint32_t type) {
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

bool is_pc_relative(std::uint32_t type) {
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

bool is_branch_displacement(const unsigned char* section, std::uint64_t offset) {
  if (offset >= 1 && (section[offset - 1] == 0xe8 || section[offset - 1] == 0xe9)) return true;  // call, jmp
  return offset >= 2 && section[offset - 2] == 0x0f && (section[offset - 1] & 0xf0) == 0x80;     // jcc
}

bool rewrite_lea_as_load(unsigned char* section, std::uint64_t offset) {
  if (offset < 3) return false;
  unsigned char rex = section[offset - 3], opcode = section[offset - 2], modrm = section[offset - 1];
  bool rip_relative = (modrm & 0xc7) == 0x05;  // mod 00, r/m 101
  if ((rex & 0xf8) != 0x48 || opcode != 0x8d || !rip_relative) return false;
  section[offset - 2] = 0x8b;
  return true;
}

bool within_pc32(std::uint64_t from, std::uint64_t to) {
  std::int64_t d = static_cast<std::int64_t>(to - from);
  return d >= std::numeric_limits<std::int32_t>::min() && d <= std::numeric_limits<std::int32_t>::max();
}

namespace {

Status overflow(std::uint32_t type, std::int64_t value, const std::string& context) {
  return make_error("relocation " + std::string(relocation_name(type)) + " at " + context + ": value " +
                    std::to_string(value) + " does not fit its field");
}

template <class T>
void put(unsigned char* place, T v) {
  std::memcpy(place, &v, sizeof v);
}

}  // namespace

Status write_relocation(std::uint32_t type, unsigned char* place, std::int64_t value, const std::string& context) {
  switch (type) {
    case R_X86_64_NONE:
      return Status::success();
    case R_X86_64_64:
    case R_X86_64_PC64:
    case R_X86_64_TPOFF64:
    case R_X86_64_SIZE64:
    case R_X86_64_GOTOFF64:
    case R_X86_64_GOTPC64:
      put<std::int64_t>(place, value);
      return Status::success();
    case R_X86_64_32:
    case R_X86_64_SIZE32:
      if (value < 0 || value > std::numeric_limits<std::uint32_t>::max()) return overflow(type, value, context);
      put<std::uint32_t>(place, static_cast<std::uint32_t>(value));
      return Status::success();
    case R_X86_64_32S:
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
    case R_X86_64_GOTTPOFF:
    case R_X86_64_TPOFF32:
    case R_X86_64_GOTPC32:
      if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())
        return overflow(type, value, context);
      put<std::int32_t>(place, static_cast<std::int32_t>(value));
      return Status::success();
    default:
      return make_error("relocation " + std::string(relocation_name(type)) + " at " + context +
                        " is not supported: " + unsupported_reason(type));
  }
}

}  // namespace hotswap::x86_64
