// Binding: every symbol of the patch gets its run-time value, from the section plan for
// symbols the patch defines and from the running program's scope for the rest.
#include <elf.h>

#include "runtime/steps.h"

namespace hotswap {

Status bind_symbols(LinkedPatch& patch, const Scope& scope) {
  const ElfFile& elf = *patch.file.elf;
  patch.symbol_values.assign(elf.symbols().size(), 0);
  patch.init_shadow_values.assign(elf.symbols().size(), 0);
  for (const ElfSymbol& s : elf.symbols()) {
    std::uint64_t value = 0, shadow_value = 0;
    if (s.index == 0 || s.type == STT_FILE) {
      // no value
    } else if (s.shndx == SHN_ABS) {
      value = shadow_value = s.value;
    } else if (s.shndx == SHN_COMMON) {
      return make_error("common symbol " + s.name + " is not supported (compile with -fno-common)");
    } else if (s.shndx == SHN_UNDEF) {
      if (!s.name.empty()) {
        auto found = scope.find_external(s.name);
        if (!found && s.bind != STB_WEAK)
          return make_error("undefined symbol " + s.name + " is not defined in the running program");
        value = shadow_value = found.value_or(0);
      }
    } else {
      const SectionPlan& plan = patch.sections[s.shndx];
      std::uint64_t offset = s.type == STT_SECTION ? 0 : s.value;
      value = plan.address + offset;
      shadow_value = (plan.shadow ? plan.shadow : plan.address) + offset;
    }
    patch.symbol_values[s.index] = value;
    patch.init_shadow_values[s.index] = shadow_value;
  }
  return Status::success();
}

}  // namespace hotswap
