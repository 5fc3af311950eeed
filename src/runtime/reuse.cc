// Re-applying a reverted patch in the memory it already has: apply/revert cycles of the same
// patch then cost no memory at all. Its code and constants are as linked the first time
// (they bind to the same running program), so only its new data is set back to its
// initial image. A patch whose static initializers ran is never reused: they would run a
// second time over objects whose destructors they registered.
#include <elf.h>

#include <cstring>

#include "arch/x86_64/relocations.h"
#include "runtime/runtime_state.h"
#include "runtime/steps.h"

namespace hotswap {

Status reuse_patch(LinkedPatch& patch, const RuntimeState& state) {
  if (!patch.init_functions.empty() || patch.initializers_ran)
    return make_error("its static initializers ran: it is linked anew");
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

  // New data as the release starts it: its image again, relocated. Relocating data writes
  // only the data: a relocation that would fill a GOT slot (read-only by now) cannot be
  // redone, and a patch with one in its data (never a compiler's) is linked anew.
  auto is_data = [&patch](const ElfSection& s) {
    const SectionPlan& plan = patch.sections[s.index];
    return plan.placement == Placement::kLoad && plan.region == RegionKind::kData;
  };
  for (const ElfSection& s : patch.file.elf->sections())
    if (is_data(s))
      for (const ElfRelocation& r : patch.file.elf->relocations_for(s.index))
        if (x86_64::needs_got_slot(r.type)) return make_error("its data has GOT relocations: it is linked anew");
  for (const ElfSection& s : patch.file.elf->sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (!is_data(s)) continue;
    auto* at = reinterpret_cast<unsigned char*>(plan.address);
    if (s.bytes.empty()) std::memset(at, 0, s.size);
    else std::memcpy(at, s.bytes.data(), s.bytes.size());
    HOTSWAP_TRY(relocate_section(patch, s));
  }
  patch.still_active.clear();
  patch.warning.clear();
  patch.pause_ns = 0;
  return Status::success();
}

}  // namespace hotswap
