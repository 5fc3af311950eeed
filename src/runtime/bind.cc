// Binding: every symbol of the patch gets its run-time value, from the section plan for
// symbols the patch defines and from the running program's scope for the rest.
#include <elf.h>

#include <cstdio>

#include "runtime/steps.h"

namespace hotswap {
namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Status bind_undefined(LinkedPatch& patch, const Scope& scope, const ElfSymbol& s) {
  if (s.name.empty()) return Status::success();
  bool tls = s.type == STT_TLS;
  auto found = scope.find_external(s.name, tls);
  if (!found) {
    if (s.bind == STB_WEAK) return Status::success();  // an unresolved weak reference is 0
    if (tls)
      return make_error("thread-local " + s.name +
                        " of a shared library is not used by the running program: its offset is unknown");
    return make_error("undefined symbol " + s.name + " is not defined in the running program");
  }
  patch.symbol_values[s.index] = patch.init_shadow_values[s.index] = found->address;
  patch.symbol_sizes[s.index] = found->size;
  if (found->type == STT_FUNC || found->type == STT_GNU_IFUNC)
    patch.canonical_values[s.index] = scope.canonical_entry(SymbolRef{s.name, ""}).value_or(found->address);
  return Status::success();
}

Status bind_defined(LinkedPatch& patch, const ElfSymbol& s) {
  const ElfSection& section = patch.file.elf->sections()[s.shndx];
  const SectionPlan& plan = patch.sections[s.shndx];
  std::uint64_t offset = s.type == STT_SECTION ? 0 : s.value;
  if (offset > section.size || s.size > section.size - offset)
    return make_error("symbol " + s.name + " lies outside its section " + section.name);
  patch.symbol_values[s.index] = plan.address + offset;
  patch.init_shadow_values[s.index] = (plan.shadow ? plan.shadow : plan.address) + offset;
  patch.symbol_sizes[s.index] = s.size;
  // A function's address, when code takes it, is its canonical entry (aliases such as a
  // constructor's C1/C2 names share it).
  if (plan.function && plan.canonical_base && s.type == STT_FUNC && s.value == plan.function->value &&
      s.name.find('.') == std::string::npos)
    patch.canonical_values[s.index] = plan.canonical_base + s.value;
  return Status::success();
}

}  // namespace

Status bind_symbols(LinkedPatch& patch, const Scope& scope) {
  const ElfFile& elf = *patch.file.elf;
  std::size_t count = elf.symbols().size();
  patch.symbol_values.assign(count, 0);
  patch.init_shadow_values.assign(count, 0);
  patch.canonical_values.assign(count, 0);
  patch.symbol_sizes.assign(count, 0);
  for (const ElfSymbol& s : elf.symbols()) {
    if (s.index == 0 || s.type == STT_FILE) continue;
    if (s.shndx == SHN_ABS) {
      patch.symbol_values[s.index] = patch.init_shadow_values[s.index] = s.value;
      patch.symbol_sizes[s.index] = s.size;
    } else if (s.shndx == SHN_COMMON) {
      return make_error("common symbol " + s.name + " is not supported (compile with -fno-common)");
    } else if (s.shndx == SHN_UNDEF) {
      HOTSWAP_TRY(bind_undefined(patch, scope, s));
    } else if (s.shndx >= patch.sections.size()) {
      return make_error("symbol " + s.name + " has the reserved section index " + hex(s.shndx) +
                        " (large-model common data?), which a patch cannot place");
    } else {
      HOTSWAP_TRY(bind_defined(patch, s));
    }
  }
  return Status::success();
}

}  // namespace hotswap
