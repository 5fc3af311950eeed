#include "tool/diff/merged_section.h"

#include <elf.h>

#include <algorithm>

namespace hotswap::diff {
namespace {

// sh_entsize, 1 when unset; an entry larger than the section (a corrupt object) is the
// whole section.
std::uint64_t entry_size(const ElfSection& s) {
  return std::clamp<std::uint64_t>(s.entsize, 1, std::max<std::uint64_t>(s.bytes.size(), 1));
}

// A string's terminator: an entry of zero bytes (a partial entry at the end counts as one).
bool is_terminator(const ElfSection& s, std::uint64_t at) {
  std::uint64_t end = std::min<std::uint64_t>(at + entry_size(s), s.bytes.size());
  return std::all_of(s.bytes.begin() + at, s.bytes.begin() + end,
                     [](unsigned char c) { return c == 0; });
}

}  // namespace

std::optional<Piece> piece_at(const ElfSection& s, std::int64_t offset) {
  if (offset < 0 || static_cast<std::uint64_t>(offset) >= s.bytes.size()) return std::nullopt;
  std::uint64_t entsize = entry_size(s);
  std::uint64_t entry = static_cast<std::uint64_t>(offset) / entsize * entsize;
  std::uint64_t size = s.bytes.size();
  if (!(s.flags & SHF_STRINGS)) return Piece{entry, std::min(entsize, size - entry)};
  // Back to just after the previous string's terminator, on to this one's.
  std::uint64_t start = entry;
  while (start >= entsize && !is_terminator(s, start - entsize)) start -= entsize;
  std::uint64_t end = entry;
  while (end < size && !is_terminator(s, end)) end += entsize;
  end = std::min(end + entsize, size);
  return Piece{start, end - start};
}

std::optional<Piece> pieces_holding(const ElfSection& s, std::int64_t first, std::int64_t last) {
  std::optional<Piece> from = piece_at(s, first);
  std::optional<Piece> to = piece_at(s, last);
  if (!from || !to || to->start < from->start) return std::nullopt;
  return Piece{from->start, to->start + to->size - from->start};
}

}  // namespace hotswap::diff
