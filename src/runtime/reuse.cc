// Re-applying a reverted patch in the memory it already has: apply/revert cycles of the same
// patch then cost no memory at all. Its code and constants are as linked the first time
// (they bind to the same running program). Only a patch without writable data of its own
// is reused: new data carries the state of its first life (a function-local static's guard
// and the destructor it registered, heap memory it owns, a thread still in the reverted
// code reading it), which no reset could undo. Such patches, and those whose static
// initializers ran, are linked anew.
#include <elf.h>

#include "runtime/runtime_state.h"
#include "runtime/steps.h"

namespace hotswap {

Status may_be_reused(const LinkedPatch& patch) {
  if (!patch.init_functions.empty() || patch.initializers_ran)
    return make_error("its static initializers ran: it is linked anew");
  // Writable data of its own: sections the program may have written. An empty one holds
  // nothing; a DW.ref.* word (the personality routine's address, for the unwinder) is
  // written only by relocation.
  for (const ElfSection& s : patch.file.elf->sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (plan.placement != Placement::kLoad || plan.region != RegionKind::kData || s.size == 0) continue;
    if (s.name.rfind(".data.rel.local.DW.ref.", 0) == 0) continue;
    return make_error("it has writable data of its own, which its first life changed: it is linked anew");
  }
  return Status::success();
}

Status reuse_patch(LinkedPatch& patch, const RuntimeState& state) {
  HOTSWAP_TRY(may_be_reused(patch));
  if (patch.chain_below != state.applied_serials())
    return make_error("the patches below it changed since it was linked: it is linked anew");
  // Shared libraries may have come and gone: the symbols it takes from them must resolve
  // as they did.
  std::vector<std::uint64_t> values = patch.symbol_values, canonical = patch.canonical_values,
                             sizes = patch.symbol_sizes;
  Status bound = bind_symbols(patch, *state.scope);
  bool same = bound && values == patch.symbol_values && canonical == patch.canonical_values &&
              sizes == patch.symbol_sizes;
  if (!same) {  // what its code was linked with stays its record
    std::swap(values, patch.symbol_values);
    std::swap(canonical, patch.canonical_values);
    std::swap(sizes, patch.symbol_sizes);
  }
  std::fill(values.begin(), values.end(), 0);  // reclaim.h: no stale copies of addresses
  std::fill(canonical.begin(), canonical.end(), 0);
  if (!same) return make_error("a symbol it binds moved since it was linked: it is linked anew");

  patch.still_active.clear();
  patch.warning.clear();
  patch.pause_ns = 0;
  return Status::success();
}

}  // namespace hotswap
