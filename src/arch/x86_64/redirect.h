// How a function is redirected on x86-64, and the one place that writes jumps.
//
// Updateable code is compiled with -fpatchable-function-entry=16,14: 14 NOP bytes before
// each entry and 2 at it. GCC fills the entry with two one-byte NOPs (90 90), Clang with one
// two-byte NOP (66 90). A redirect uses the last 6 pad bytes and the 2 entry bytes:
//
//   entry-6:  ff 25 <rel32>   jmp *slot(%rip)    slot: 8 bytes in patch memory, the target
//   entry:    eb f8           jmp entry-6
//
// The pad is written first (no thread executes it), then the entry with one aligned 2-byte
// store, so a thread sees either the NOPs or the whole jump. The displacement byte f8 is
// also CLC, a one-byte instruction with no effect the ABI cares about at a function entry:
// a thread that had executed the first of GCC's two NOPs before the store resumes at
// entry+1, runs CLC and falls into the old body, as an old activation should. (The design's
// first encoding, a jump to entry-14, has displacement byte f0, a LOCK prefix, which
// would fault there.) Retargeting a redirected entry is one atomic 8-byte store to its slot.
#pragma once

#include <cstdint>

#include "common/expected.h"

namespace hotswap::x86_64 {

inline constexpr std::size_t kPadBefore = 14;  // NOP bytes before the entry
inline constexpr std::size_t kEntryBytes = 2;  // NOP bytes at the entry
inline constexpr std::size_t kPltStubSize = 8;

enum class EntryState { kUnpatched, kRedirected, kNotPatchable };

// Reads the 16 bytes around `entry` (entry-14 .. entry+2).
EntryState entry_state(const unsigned char* entry);

// The original 2 entry bytes, to restore on revert.
std::uint16_t read_entry(const unsigned char* entry);

// Writes `jmp *slot(%rip)` at entry-6. The pad must be writable; the slot within ±2 GB.
Status write_pad_jump(unsigned char* entry, const std::uint64_t* slot);
// The 2-byte jump into the pad, one atomic store. The page must be writable.
void write_entry_jump(unsigned char* entry);
void restore_entry(unsigned char* entry, std::uint16_t original);
// Atomic 8-byte store of a jump target into a slot.
void store_slot(std::uint64_t* slot, std::uint64_t target);
// A stub `jmp *slot(%rip)` for calls to a target out of 32-bit reach.
Status write_plt_stub(unsigned char* stub, const std::uint64_t* slot);

// Registers the process for sync_cores(); slow (milliseconds), so done once at start-up
// rather than inside the first commit's pause.
void prepare_sync_cores();
// Makes every thread of the process serialize its instruction stream before it runs more
// code (membarrier SYNC_CORE): the cross-modifying-code rule of the Intel SDM.
void sync_cores();

}  // namespace hotswap::x86_64
