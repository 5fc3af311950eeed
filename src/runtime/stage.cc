// Staging: the linked patch becomes runnable code, but nothing runs or calls it yet. Its
// unwind table and static initializers wait for the commit, after the last refusal.
#include <elf.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "runtime/eh_frame.h"
#include "runtime/private_memory.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

// The initializers the commit will run, in .init_array order. Each must be a function of
// the patch's static-initialization code: anything else (a corrupt patch) is refused here.
Status collect_initializers(LinkedPatch& patch) {
  if (!patch.has_new_data) return Status::success();
  const ElfFile& elf = *patch.file.elf;
  // Private memory, sized once: these are addresses in the patch (reclaim.h).
  std::size_t functions = 0, entries = 0;
  for (const ElfSymbol& sym : elf.symbols()) functions += sym.type == STT_FUNC;
  for (const ElfSection& s : elf.sections())
    if (s.type == SHT_INIT_ARRAY) entries += s.size / 8;
  PrivateArray<std::uint64_t> initializers(functions);
  for (const ElfSymbol& sym : elf.symbols())
    if (sym.type == STT_FUNC && sym.shndx < patch.sections.size() && patch.sections[sym.shndx].init_code &&
        patch.sections[sym.shndx].placement == Placement::kLoad)
      initializers.push_back(patch.symbol_values[sym.index]);
  std::sort(initializers.begin(), initializers.end());
  patch.init_functions.reserve(entries);
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (s.type != SHT_INIT_ARRAY || plan.placement != Placement::kLoad) continue;
    for (std::uint64_t off = 0; off + 8 <= s.size; off += 8) {
      std::uint64_t fn;
      std::memcpy(&fn, reinterpret_cast<void*>(plan.address + off), 8);
      if (!fn) continue;
      if (!std::binary_search(initializers.begin(), initializers.end(), fn))
        return make_error(s.name + " names something that is not a static initializer");
      patch.init_functions.push_back(fn);
    }
  }
  return Status::success();
}

}  // namespace

Status stage_patch(LinkedPatch& patch, const RunningImage& image) {
  HOTSWAP_TRY(protect_range(patch.text_begin, patch.text_end, PROT_READ | PROT_EXEC));
  HOTSWAP_TRY(protect_range(patch.rodata_begin, patch.rodata_end, PROT_READ));
  if (patch.eh_frame) {
    const AddressRange slots[] = {{patch.data_begin, patch.data_end}, {patch.rodata_begin, patch.rodata_end},
                                  {image.start, image.end}};
    HOTSWAP_TRY(check_eh_frame(std::span(reinterpret_cast<const unsigned char*>(patch.eh_frame), patch.eh_frame_size),
                               {patch.text_begin, patch.text_end}, {patch.rodata_begin, patch.rodata_end}, slots));
  }
  return collect_initializers(patch);
}

}  // namespace hotswap
