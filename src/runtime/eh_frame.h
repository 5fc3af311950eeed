// A check of a patch's relocated .eh_frame before it is handed to the unwinder. libgcc
// parses registered frames lazily, on the next exception anywhere in the process, and trusts
// them; a malformed table would fault there, long after the patch was applied. So every
// record must be well formed and every FDE must describe code the patch loaded.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/elf_file.h"
#include "common/expected.h"
#include "runtime/linked_patch.h"

namespace hotswap {

struct AddressRange {
  std::uint64_t begin = 0, end = 0;
  bool contains(std::uint64_t a, std::uint64_t size = 0) const { return a >= begin && a <= end && size <= end - a; }
};

// The records of a relocatable's .eh_frame that describe loaded code: FDEs whose start
// relocation `keep` accepts and the CIEs they use, in their order, with CIE pointers and
// relocation offsets moved to the new positions. libgcc (GCC 12) keeps registered tables
// sorted by their lowest address and looks a pc up only in the first table that starts
// below it: an FDE for code outside the patch would make this table claim the
// executable's addresses and hide the tables of earlier patches.
Expected<UnwindTable> loaded_unwind_table(std::span<const unsigned char> section,
                                          const std::vector<ElfRelocation>& relocations,
                                          const std::function<bool(const ElfRelocation&)>& keep);

// Bytes the unwinder's record of a registered table needs (libgcc's struct object, with room
// to spare): the runtime provides it, inside the patch's memory, and so knows where it is.
inline constexpr std::size_t kFrameObjectBytes = 128;

// `table` is the relocated section at its run-time address; FDEs must cover code inside
// `code` (or nothing), LSDAs must lie in `constants`, personality pointers in one of
// `personality_slots` (the patch's data or the running image).
Status check_eh_frame(std::span<const unsigned char> table, AddressRange code, AddressRange constants,
                      std::span<const AddressRange> personality_slots);

// Hands a loaded table to the unwinder (libgcc), with `object` (kFrameObjectBytes, zeroed)
// as its record; the inverse takes it back. REQUIRES: check_eh_frame accepted the table.
void register_unwind_table(std::uint64_t table, std::uint64_t object);
void deregister_unwind_table(std::uint64_t table);

}  // namespace hotswap
