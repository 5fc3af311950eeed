// The check of bound type identity: a vtable, typeinfo or VTT the patch binds to the running
// program's copy (so that exceptions and dynamic_cast see one type) must hold exactly what
// the patch's own copy would. A class that gained a virtual function or changed its bases
// has a different table; binding new code to the old one would dispatch through wrong slots.
#include <dlfcn.h>
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

// A complete or base-object destructor ("_ZN...D1Ev", "_ZN...D2Ev"), not a function whose
// own name ends so (X::stepD1()): the demangled name's last part is the destructor's.
bool object_destructor(const std::string& mangled) {
  auto ends = [&](const char* tail) { return mangled.size() > 4 && mangled.compare(mangled.size() - 4, 4, tail) == 0; };
  if (mangled.rfind("_ZN", 0) != 0 || !(ends("D1Ev") || ends("D2Ev"))) return false;
  std::string name = demangle(mangled);
  std::size_t scope = name.rfind("::~");
  return scope != std::string::npos && name.find("::", scope + 3) == std::string::npos;
}

// The name of the function the running program has at `address`: the executable's symbol
// table, else a shared library's dynamic one; "" if none starts there.
std::string running_function_at(const RunningImage& image, std::uint64_t address) {
  for (const ElfSymbol& sym : image.elf->symbols())
    if (sym.type == STT_FUNC && sym.shndx != SHN_UNDEF && image.address_of(sym) == address && object_destructor(sym.name))
      return sym.name;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(address), &info) && info.dli_sname &&
      reinterpret_cast<std::uint64_t>(info.dli_saddr) == address)
    return info.dli_sname;
  return "";
}

// Where the two tables hold different destructors in the same slot, both of an object
// (not deleting) destructor: the same virtual function, as two compilers chose to emit it.
// Clang makes a class's trivial destructor an alias of its base's (std::bad_variant_access's
// slot holds std::exception::~exception()), GCC emits the class's own; a program whose
// units (or whose runtime library) come from both has either table. Such slots are taken
// as the running program's; any other difference remains one. Only within [begin, end): a
// table whose size matched the running one's.
void accept_equivalent_destructors(const LinkedPatch& patch, const RunningImage& image, const ElfSection& s,
                                   const SectionPlan& plan, std::uint64_t begin, std::uint64_t end,
                                   std::vector<unsigned char>& expected) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfRelocation& r : elf.relocations_for(s.index)) {
    if (r.addend != 0 || r.symbol >= elf.symbols().size() || r.offset < begin || r.offset > end || end - r.offset < 8)
      continue;
    std::uint64_t live = 0, wanted = 0;
    std::memcpy(&live, reinterpret_cast<const void*>(plan.address + r.offset), 8);
    std::memcpy(&wanted, expected.data() + r.offset, 8);
    // The patch's destructor must be one it binds to (the library's, the running program's),
    // not code of its own: a destructor body the new release changed is a difference.
    const ElfSymbol& target = elf.symbols()[r.symbol];
    if (live == wanted || target.shndx != SHN_UNDEF || !object_destructor(target.name)) continue;
    if (object_destructor(running_function_at(image, live))) std::memcpy(expected.data() + r.offset, &live, 8);
  }
}

// Each table the section defines must have the running table's size and bytes.
Status check_section(const LinkedPatch& patch, const Scope& scope, const RunningImage& image, const ElfSection& s,
                     const SectionPlan& plan) {
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
    accept_equivalent_destructors(patch, image, s, plan, sym.value, sym.value + sym.size, *expected);
    const auto* live = reinterpret_cast<const unsigned char*>(plan.address + sym.value);
    for (std::uint64_t i = 0; i < sym.size; ++i)
      if ((*expected)[sym.value + i] != live[i])
        return differs(elf, s, sym.value, "at byte " + std::to_string(i));
  }
  return Status::success();
}

}  // namespace

Status check_type_identity(const LinkedPatch& patch, const Scope& scope, const RunningImage& image) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (plan.placement == Placement::kBindRunning && plan.region == RegionKind::kRodata)
      HOTSWAP_TRY(check_section(patch, scope, image, s, plan));
  }
  return Status::success();
}

}  // namespace hotswap
