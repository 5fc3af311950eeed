// Giving back the memory of reverted patches (and of refused patches whose code ran) once
// nothing in the process can reach it: with HOTSWAP_RECLAIM=scan only (ReclaimMode below).
//
// After a revert no entry leads into the patch, but a thread may still be running in it,
// and the new code may have stored addresses inside it where the program keeps its state:
// a string literal in a global, a callback to a function only the patch has, an object
// whose vtable the patch brought. So a retired patch is reclaimed only when, with every
// thread held in the sampler's handler (blocked ones too: their registers are seen only
// there, docs/ARCHITECTURE.md):
//   - no thread's instruction pointer, registers or live stack point into it (nor onto the
//     jump pads that read its slots), and no signal handler is in it;
//   - no word of the process's writable or anonymous memory points into it (a conservative
//     scan: heap, globals, stacks above their stack pointers, shared memory);
//   - its static initializers never ran, and it calls none of atexit, at_quick_exit,
//     on_exit, __cxa_atexit, __cxa_thread_atexit (those registrations keep pointers the
//     scan cannot recognise: glibc mangles them);
//   - no patch still applied or still retired was linked on top of it (their code calls
//     into it and reads it by relative displacement, which no scan sees as a pointer).
// Then its unwind table is deregistered and its memory unmapped. Otherwise it stays, and a
// later attempt (every apply and revert tries) may succeed. A look that stops no one comes
// first, so that threads are held only when something may be reclaimed.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/linked_patch.h"

namespace hotswap {

// What becomes of reverted patches (the program's environment chooses, once):
// - kReuse, the default: a reverted patch stays mapped, and applying the same patch again
//   on the same program reuses it (reuse_patch): memory grows with the number of distinct
//   code-only patches applied, never with their apply/revert cycles (reuse.cc says which
//   patches are linked anew instead).
// - kScan (HOTSWAP_RECLAIM=scan): reverted patches are reclaimed as described above, at the
//   price of holding every thread while the process's memory is scanned.
enum class ReclaimMode { kReuse, kScan };
ReclaimMode reclaim_mode();

// What is left of a retired patch. Addresses are kept complemented, so that the scan of
// the process's memory never finds the runtime's own record of them.
struct RetiredPatch {
  std::uint64_t hidden_base = 0, size = 0;
  std::uint64_t hidden_eh_frame = 0, eh_frame_size = 0;  // 0: no registered table
  std::uint64_t hidden_frame_object = 0;
  std::vector<std::uint64_t> hidden_pads;  // entries whose pad jumps through a slot in it
  bool pinned = false;                     // its initializers ran: never reclaimed
  std::uint64_t serial = 0;                // LinkedPatch::serial
  std::vector<std::uint64_t> chain_below;  // LinkedPatch::chain_below
};

// Records what reclamation needs and wipes every address of the patch from the runtime's
// own records. REQUIRES: the patch is no longer reachable through any entry.
RetiredPatch retire(LinkedPatch& patch);

// Reclaims what can be reclaimed; returns the bytes given back. `applied_chains`: the
// chain_below of each patch still applied.
std::uint64_t reclaim(std::vector<RetiredPatch>& retired, const std::vector<std::vector<std::uint64_t>>& applied_chains);

}  // namespace hotswap
