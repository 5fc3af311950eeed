// x86-64 relocation kinds: which need a GOT slot or a PLT stub, and how each is written.
//
// The psABI computes every kind from a few quantities: S (the symbol's address), A (the
// addend), P (the place), G (the address of the symbol's GOT slot), GOT (the GOT's base)
// and Z (the symbol's size). TLS kinds use the thread-pointer offset of the symbol
// instead of S. A patch is linked like an executable's own code: within ±2 GB of the
// running image, with slots and stubs for symbols of shared libraries that lie further.
// An unlisted kind is refused by name; nothing is ever written for it.
#pragma once

#include <cstdint>
#include <string>

#include "common/expected.h"

namespace hotswap::x86_64 {

enum class RelocClass {
  kUnsupported,
  kNone,
  kAbsolute,     // S + A
  kPcRelative,   // S + A - P
  kCall,         // L + A - P: through a PLT stub when S is out of reach
  kGotEntry,     // G + A - P, the slot holds S
  kGotTpoff,     // G + A - P, the slot holds S's thread-pointer offset
  kTpoff,        // tpoff(S) + A
  kSize,         // Z + A
  kGotRelative,  // S + A - GOT
  kGotBasePc,    // GOT + A - P
};

RelocClass classify(std::uint32_t type);
const char* relocation_name(std::uint32_t type);
// Why an unsupported kind is refused, for the error message.
std::string unsupported_reason(std::uint32_t type);

// The value computed for one relocation and the width it is written with.
// Returns an error naming `context` when the value does not fit the field.
Status write_relocation(std::uint32_t type, unsigned char* place, std::int64_t value,
                        const std::string& context);

// Bytes of the field a relocation writes, for every kind whose field size is known, even
// the unsupported ones (0 for R_X86_64_NONE and unknown kinds).
std::size_t relocation_width(std::uint32_t type);
// Whether the value is relative to the place (P): the referenced byte then lies a few bytes
// past S + A (the end of the field plus any immediate that follows it).
bool is_pc_relative(std::uint32_t type);

// Whether the 32-bit field at `offset` in a section of code is the displacement of a
// branch (call, jmp or jcc rel32), not of a memory operand or `lea`: the byte before a
// RIP-relative displacement is a ModRM byte (mod 00, r/m 101), never a branch opcode.
bool is_branch_displacement(const unsigned char* section, std::uint64_t offset);

// Turns `lea disp(%rip), %reg` (REX.W 8d /r) whose displacement field is at `offset` into
// `mov disp(%rip), %reg` (8b): the same length, loading the address from the slot the
// displacement then names instead of computing it. The reverse of the linker's GOTPCRELX
// relaxation, for targets a PC32 cannot reach. False when the instruction is not such a lea.
bool rewrite_lea_as_load(unsigned char* section, std::uint64_t offset);

// True if a 32-bit PC-relative field at `from` can reach `to`.
bool within_pc32(std::uint64_t from, std::uint64_t to);

}  // namespace hotswap::x86_64
