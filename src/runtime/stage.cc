// Staging: the linked patch becomes runnable code, but nothing calls it yet.
#include <elf.h>
#include <sys/mman.h>

#include <cstring>

#include "runtime/steps.h"

extern "C" void __register_frame(void*);

namespace hotswap {
namespace {

// Static initializers run only when the patch brings new data; their writes to data that
// binds to running instances land in private shadow copies (DESIGN §4: static
// constructors never re-run for data bound to running instances).
void initialize_new_data(LinkedPatch& patch) {
  if (!patch.has_new_data) return;
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (s.type != SHT_INIT_ARRAY || plan.placement != Placement::kLoad) continue;
    for (std::uint64_t off = 0; off + 8 <= s.size; off += 8) {
      std::uint64_t fn;
      std::memcpy(&fn, reinterpret_cast<void*>(plan.address + off), 8);
      if (fn) patch.init_functions.push_back(fn);
    }
  }
  for (std::uint64_t fn : patch.init_functions) reinterpret_cast<void (*)()>(fn)();
}

}  // namespace

Status stage_patch(LinkedPatch& patch) {
  HOTSWAP_TRY(protect_range(patch.text_begin, patch.text_end, PROT_READ | PROT_EXEC));
  HOTSWAP_TRY(protect_range(patch.rodata_begin, patch.rodata_end, PROT_READ));
  if (patch.eh_frame) {
    __register_frame(reinterpret_cast<void*>(patch.eh_frame));
    patch.eh_frame_registered = true;
  }
  initialize_new_data(patch);
  return Status::success();
}

}  // namespace hotswap
