// The check of bound type identity: a vtable, typeinfo or VTT the patch binds to the running
// program's copy (so that exceptions and dynamic_cast see one type) must hold exactly what
// the patch's own copy would. A class that gained a virtual function or changed its bases
// has a different table; binding new code to the old one would dispatch through wrong slots.
#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "runtime/steps.h"

namespace hotswap {
namespace {

// The symbol of the section that covers `offset`, for the message.
const ElfSymbol* symbol_at(const ElfFile& elf, std::size_t section, std::uint64_t offset) {
  const ElfSymbol* best = nullptr;
  for (const ElfSymbol& s : elf.symbols())
    if (s.shndx == section && s.type == STT_OBJECT && s.value <= offset && offset < s.value + std::max<std::uint64_t>(s.size, 1))
      best = &s;
  return best;
}

Error differs(const ElfFile& elf, const ElfSection& s, std::uint64_t offset, const std::string& why) {
  const ElfSymbol* sym = symbol_at(elf, s.index, offset);
  std::string name = sym ? demangle(sym->name) : s.name;
  return make_error(name + " differs from the running program's (" + why +
                    "): a class whose virtual functions or bases change cannot be patched in place");
}

// The section's bytes as the patch's copy would hold them once relocated.
Expected<std::vector<unsigned char>> expected_bytes(const LinkedPatch& patch, const ElfSection& s) {
  const ElfFile& elf = *patch.file.elf;
  if (s.bytes.size() != s.size) return differs(elf, s, 0, "it has no contents in the patch");
  std::vector<unsigned char> expected(s.bytes.begin(), s.bytes.end());
  for (const ElfRelocation& r : elf.relocations_for(s.index)) {
    if (r.type != R_X86_64_64 || r.offset > s.size || s.size - r.offset < 8)
      return differs(elf, s, r.offset, "a relocation of a kind type tables do not hold");
    std::uint64_t value = referenced_address(patch, r, false, 0);
    std::memcpy(expected.data() + r.offset, &value, 8);
  }
  return expected;
}

// Each table the section defines must have the running table's size and bytes.
Status check_section(const LinkedPatch& patch, const Scope& scope, const ElfSection& s, const SectionPlan& plan) {
  const ElfFile& elf = *patch.file.elf;
  auto expected = expected_bytes(patch, s);
  if (!expected) return expected.error();
  for (const ElfSymbol& sym : elf.symbols()) {
    if (sym.shndx != s.index || sym.type != STT_OBJECT || sym.name.empty()) continue;
    auto running = scope.find(identity_of(sym));
    if (!running || running->size != sym.size)
      return differs(elf, s, sym.value,
                     "size " + std::to_string(sym.size) + ", running " + std::to_string(running ? running->size : 0));
    if (sym.value > s.size || sym.size > s.size - sym.value)
      return differs(elf, s, sym.value, "it lies outside its section");
    const auto* live = reinterpret_cast<const unsigned char*>(plan.address + sym.value);
    for (std::uint64_t i = 0; i < sym.size; ++i)
      if ((*expected)[sym.value + i] != live[i])
        return differs(elf, s, sym.value, "at byte " + std::to_string(i));
  }
  return Status::success();
}

}  // namespace

Status check_type_identity(const LinkedPatch& patch, const Scope& scope) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (plan.placement == Placement::kBindRunning && plan.region == RegionKind::kRodata)
      HOTSWAP_TRY(check_section(patch, scope, s, plan));
  }
  return Status::success();
}

}  // namespace hotswap
