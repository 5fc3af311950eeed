// Relocation: the patch's loaded sections are linked against the values bind gave their
// symbols. The arithmetic of each kind lives in arch/x86_64/relocations.cc.
#include <elf.h>

#include <cstdio>
#include <cstring>

#include "arch/x86_64/redirect.h"
#include "arch/x86_64/relocations.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

std::string context_of(const ElfFile& elf, const ElfSection& s, const ElfRelocation& r) {
  char offset[32];
  std::snprintf(offset, sizeof offset, "+0x%llx", static_cast<unsigned long long>(r.offset));
  const ElfSymbol& sym = elf.symbols()[r.symbol];
  std::string target = sym.type == STT_SECTION && sym.shndx < elf.sections().size() ? elf.sections()[sym.shndx].name
                                                                                     : sym.name;
  return s.name + offset + " against " + target;
}

Status fill_stubs(LinkedPatch& patch) {
  std::uint64_t slot = patch.plt_slots;
  for (const auto& [symbol, stub] : patch.plt_stubs) {
    auto* slot_ptr = reinterpret_cast<std::uint64_t*>(slot);
    *slot_ptr = patch.symbol_values[symbol];
    HOTSWAP_TRY(x86_64::write_plt_stub(reinterpret_cast<unsigned char*>(stub), slot_ptr));
    slot += 8;
  }
  return Status::success();
}

// The slot place allocated for this key (0 if none: never for input it scanned), filled.
std::uint64_t got_slot(LinkedPatch& patch, const GotKey& key, std::uint64_t value) {
  auto slot = patch.got_slots.find(key);
  if (slot == patch.got_slots.end()) return 0;
  *reinterpret_cast<std::uint64_t*>(slot->second) = value;
  return slot->second;
}

// The region a loaded section lies in, to check every write against the mapping itself.
std::pair<std::uint64_t, std::uint64_t> region_of(const LinkedPatch& patch, RegionKind r) {
  switch (r) {
    case RegionKind::kText: return {patch.text_begin, patch.text_end};
    case RegionKind::kRodata: return {patch.rodata_begin, patch.rodata_end};
    case RegionKind::kData: break;
  }
  return {patch.data_begin, patch.data_end};
}

// Where one section's relocations are written: the loaded copy, or the shadow copy of a
// bound datum (which static-initialization code reads instead of the running instance).
struct Target {
  std::uint64_t base = 0;
  RegionKind region = RegionKind::kData;
  bool init_view = false;
};

// A static initializer registers the destructor of the datum it built (__cxa_atexit) with
// the destructor's address. Aimed at the canonical entry, that registration would run
// whatever the entry leads to at exit: after a revert, the old release's destructor on the
// patch's instance of a changed type. The patch's own copy destroys the patch's instance.
bool registers_own_destructor(const LinkedPatch& patch, const ElfSymbol& sym) {
  const std::string* name = &sym.name;
  if (sym.type == STT_SECTION && sym.shndx < patch.sections.size()) {
    const SectionPlan& target = patch.sections[sym.shndx];
    if (!target.function) return false;
    name = &target.function->name;
  }
  if (name->size() < 4) return false;
  std::string tail = name->substr(name->size() - 4);
  return tail == "D0Ev" || tail == "D1Ev" || tail == "D2Ev";
}

Status relocate_one(LinkedPatch& patch, const ElfSection& s, const Target& to, const ElfRelocation& r) {
  using x86_64::RelocClass;
  const ElfFile& elf = *patch.file.elf;
  const ElfSymbol& sym = elf.symbols()[r.symbol];
  const std::uint64_t P = to.base + r.offset;
  auto [region_begin, region_end] = region_of(patch, to.region);
  std::size_t width = x86_64::relocation_width(r.type);
  if (P < region_begin || P > region_end || region_end - P < width)
    return make_error("relocation at " + context_of(elf, s, r) + " lies outside the patch's memory");
  const bool code = s.flags & SHF_EXECINSTR;
  const bool init_view = to.init_view;
  const std::uint64_t S = init_view ? patch.init_shadow_values[r.symbol] : patch.symbol_values[r.symbol];
  const std::int64_t A = r.addend;
  auto* place = reinterpret_cast<unsigned char*>(P);
  std::int64_t value = 0;
  switch (x86_64::classify(r.type)) {
    case RelocClass::kNone:
      return Status::success();
    case RelocClass::kAbsolute:
      value = static_cast<std::int64_t>(referenced_address(patch, r, init_view, 0));
      break;
    case RelocClass::kPcRelative: {
      // In code, a PC32 that is not a branch's displacement is a `lea` or a memory operand:
      // it takes the address that lies 4 bytes past S + A (the field ends the instruction).
      auto* section = reinterpret_cast<unsigned char*>(to.base);
      bool takes_address = code && r.type == R_X86_64_PC32 && !x86_64::is_branch_displacement(section, r.offset);
      std::uint64_t target = takes_address ? referenced_address(patch, r, init_view, 4) : S + A;
      if (r.type == R_X86_64_PC32 && !x86_64::within_pc32(P, target)) {
        // Data of a shared library the executable never referenced: GCC's PIE code expects
        // the link to have copied it into the executable. An address taken with `lea` can
        // be loaded from a slot instead; a load or store of the datum itself cannot.
        GotKey key{r.symbol, GotKind::kLeaTarget, init_view, A};
        if (!takes_address || !patch.got_slots.count(key) || !x86_64::rewrite_lea_as_load(section, r.offset))
          return make_error("relocation R_X86_64_PC32 at " + context_of(elf, s, r) +
                            ": the target lies out of 32-bit reach (data of a shared library that the running "
                            "program never referenced; GCC reaches it only through a copy in the executable)");
        value = static_cast<std::int64_t>(got_slot(patch, key, target + 4) - 4 - P);
        break;
      }
      value = static_cast<std::int64_t>(target - P);
      break;
    }
    case RelocClass::kCall: {
      std::uint64_t target = S;
      if (!x86_64::within_pc32(P, target + A)) {
        auto stub = patch.plt_stubs.find(r.symbol);
        if (stub == patch.plt_stubs.end())
          return make_error("call at " + context_of(elf, s, r) + " is out of reach and has no stub");
        target = stub->second;
      }
      value = static_cast<std::int64_t>(target + A - P);
      break;
    }
    case RelocClass::kGotEntry: {
      // The slot holds the symbol's address as code that takes it sees it.
      std::uint64_t address = patch.canonical_values[r.symbol] && !(init_view && registers_own_destructor(patch, sym))
                                  ? patch.canonical_values[r.symbol]
                                  : S;
      std::uint64_t slot = got_slot(patch, {r.symbol, GotKind::kAddress, init_view, 0}, address);
      if (!slot) return make_error("relocation at " + context_of(elf, s, r) + " has no GOT slot");
      value = static_cast<std::int64_t>(slot + A - P);
      break;
    }
    case RelocClass::kGotTpoff: {
      if (sym.type != STT_TLS && sym.type != STT_SECTION)
        return make_error("TLS relocation at " + context_of(elf, s, r) + " names a non-TLS symbol");
      std::uint64_t slot = got_slot(patch, {r.symbol, GotKind::kTpoff, init_view, 0}, S);
      if (!slot) return make_error("relocation at " + context_of(elf, s, r) + " has no GOT slot");
      value = static_cast<std::int64_t>(slot + A - P);
      break;
    }
    case RelocClass::kTpoff:
      value = static_cast<std::int64_t>(S + A);
      break;
    case RelocClass::kSize:
      if (sym.shndx == SHN_UNDEF && patch.symbol_sizes[r.symbol] == 0)
        return make_error("relocation at " + context_of(elf, s, r) + " needs the size of " + sym.name +
                          ", which the running program does not record");
      value = static_cast<std::int64_t>(patch.symbol_sizes[r.symbol] + A);
      break;
    case RelocClass::kGotRelative:
      value = static_cast<std::int64_t>(S + A - patch.got_base);
      break;
    case RelocClass::kGotBasePc:
      value = static_cast<std::int64_t>(patch.got_base + A - P);
      break;
    case RelocClass::kUnsupported:
      break;  // write_relocation refuses it by name
  }
  return x86_64::write_relocation(r.type, place, value, context_of(elf, s, r));
}

}  // namespace

std::uint64_t referenced_address(const LinkedPatch& patch, const ElfRelocation& r, bool init_view,
                                 std::int64_t field_to_target) {
  const ElfSymbol& sym = patch.file.elf->symbols()[r.symbol];
  const std::uint64_t S = init_view ? patch.init_shadow_values[r.symbol] : patch.symbol_values[r.symbol];
  // From S to the byte referenced. A crafted addend may sit anywhere in 64 bits: the sum wraps
  // as addresses do, never as signed overflow.
  const std::int64_t offset = static_cast<std::int64_t>(static_cast<std::uint64_t>(r.addend) +
                                                        static_cast<std::uint64_t>(field_to_target));
  if (init_view && registers_own_destructor(patch, sym)) return S + r.addend;
  if (sym.type == STT_SECTION && sym.shndx < patch.sections.size()) {
    const SectionPlan& target = patch.sections[sym.shndx];
    if (target.function && target.canonical_base && !target.init_code &&
        static_cast<std::uint64_t>(offset) == target.function->value)
      return target.canonical_base + target.function->value - field_to_target;
  } else if (patch.canonical_values[r.symbol] && offset == 0) {
    return patch.canonical_values[r.symbol] - field_to_target;
  }
  return S + r.addend;
}

Status relocate_section(LinkedPatch& patch, const ElfSection& s) {
  const ElfFile& elf = *patch.file.elf;
  const SectionPlan& plan = patch.sections[s.index];
  if (plan.placement == Placement::kBindRunning && plan.shadow) {
    // The shadow is the datum as the program started: its image, relocated, its pointers
    // aimed at the running instances (the shadows are private to the initializers; an
    // initializer that copies such a pointer into new data must copy a live address).
    for (const ElfRelocation& r : elf.relocations_for(s.index))
      HOTSWAP_TRY(relocate_one(patch, s, {plan.shadow, RegionKind::kData, false}, r));
    return Status::success();
  }
  if (plan.placement != Placement::kLoad) return Status::success();
  bool unwind = s.name == ".eh_frame";
  for (const ElfRelocation& r : unwind ? patch.unwind.relocations : elf.relocations_for(s.index))
    HOTSWAP_TRY(relocate_one(patch, s, {plan.address, plan.region, plan.init_code}, r));
  if (unwind && patch.unwind.fde_count) {
    patch.eh_frame = plan.address;
    patch.eh_frame_size = patch.unwind.bytes.size();
  }
  return Status::success();
}

Status relocate_sections(LinkedPatch& patch) {
  for (const ElfSection& s : patch.file.elf->sections()) HOTSWAP_TRY(relocate_section(patch, s));
  return fill_stubs(patch);
}

}  // namespace hotswap
