// The pieces of a merged section (SHF_MERGE) as a linker sees them. A linker keeps, shares
// (one copy of equal strings, a string as another's tail) or drops each piece on its own, so
// the bytes next to a piece in an object are not next to it in the program: what code can
// read through a reference into a merged section is the piece the reference resolves to.
#pragma once

#include <cstdint>
#include <optional>

#include "common/elf_file.h"

namespace hotswap::diff {

// Bytes [start, start + size) of a section.
struct Piece {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
};

// The piece holding byte `offset` of a merged section: in a string section (SHF_STRINGS)
// the string with its terminator (one all-zero sh_entsize entry), in a constant section one
// sh_entsize entry. nullopt when `offset` is outside the section's bytes.
std::optional<Piece> piece_at(const ElfSection& section, std::int64_t offset);

// The run of whole pieces that holds bytes `first` to `last` (inclusive, first <= last);
// nullopt when either is outside the section's bytes.
std::optional<Piece> pieces_holding(const ElfSection& section, std::int64_t first,
                                    std::int64_t last);

}  // namespace hotswap::diff
