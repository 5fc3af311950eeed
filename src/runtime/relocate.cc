// Relocation: the patch's loaded sections are linked against the values bind gave their
// symbols. The arithmetic of each kind lives in arch/x86_64/relocations.cc.
#include <elf.h>

#include <cstdio>
#include <cstring>
#include <set>

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

std::uint64_t got_slot(LinkedPatch& patch, std::uint32_t symbol, bool tpoff, std::uint64_t value) {
  std::uint64_t slot = patch.got_slots.at({symbol, tpoff});
  *reinterpret_cast<std::uint64_t*>(slot) = value;
  return slot;
}

Status relocate_one(LinkedPatch& patch, const ElfSection& s, const SectionPlan& plan, const ElfRelocation& r) {
  using x86_64::RelocClass;
  const ElfFile& elf = *patch.file.elf;
  const ElfSymbol& sym = elf.symbols()[r.symbol];
  const std::uint64_t P = plan.address + r.offset;
  const std::uint64_t S = plan.init_code ? patch.init_shadow_values[r.symbol] : patch.symbol_values[r.symbol];
  const std::int64_t A = r.addend;
  std::int64_t value = 0;
  switch (x86_64::classify(r.type)) {
    case RelocClass::kNone:
      return Status::success();
    case RelocClass::kAbsolute:
      value = static_cast<std::int64_t>(S + A);
      break;
    case RelocClass::kPcRelative:
      if (r.type == R_X86_64_PC32 && !x86_64::within_pc32(P, S + A))
        return make_error("relocation R_X86_64_PC32 at " + context_of(elf, s, r) +
                          ": the target lies out of 32-bit reach (data of a shared library that the running "
                          "program never referenced)");
      value = static_cast<std::int64_t>(S + A - P);
      break;
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
    case RelocClass::kGotEntry:
      value = static_cast<std::int64_t>(got_slot(patch, r.symbol, false, S) + A - P);
      break;
    case RelocClass::kGotTpoff:
      if (sym.type != STT_TLS && sym.type != STT_SECTION)
        return make_error("TLS relocation at " + context_of(elf, s, r) + " names a non-TLS symbol");
      value = static_cast<std::int64_t>(got_slot(patch, r.symbol, true, S) + A - P);
      break;
    case RelocClass::kTpoff:
      value = static_cast<std::int64_t>(S + A);
      break;
    case RelocClass::kSize:
      value = static_cast<std::int64_t>(sym.size + A);
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
  return x86_64::write_relocation(r.type, reinterpret_cast<unsigned char*>(P), value, context_of(elf, s, r));
}

// FDEs of functions that bind to the running program describe code the patch does not
// load; their address range is set to zero so the unwinder never picks them.
void drop_fdes_of_bound_code(LinkedPatch& patch, const ElfSection& eh, const std::set<std::uint64_t>& bound_pc_fields) {
  auto* base = reinterpret_cast<unsigned char*>(patch.sections[eh.index].address);
  std::uint64_t off = 0;
  while (off + 8 <= eh.size) {
    std::uint32_t length, id;
    std::memcpy(&length, base + off, 4);
    if (length == 0 || length == 0xffffffff || off + 4 + length > eh.size) break;
    std::memcpy(&id, base + off + 4, 4);
    if (id != 0 && bound_pc_fields.count(off + 8) && off + 16 <= eh.size) std::memset(base + off + 12, 0, 4);
    off += 4 + length;
  }
}

}  // namespace

Status relocate_sections(LinkedPatch& patch) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (plan.placement != Placement::kLoad) continue;
    std::set<std::uint64_t> bound_pc_fields;
    for (const ElfRelocation& r : elf.relocations_for(s.index)) {
      HOTSWAP_TRY(relocate_one(patch, s, plan, r));
      const ElfSymbol& sym = elf.symbols()[r.symbol];
      if (s.name == ".eh_frame" && r.type == R_X86_64_PC32 && sym.shndx < patch.sections.size() &&
          patch.sections[sym.shndx].placement == Placement::kBindRunning &&
          patch.sections[sym.shndx].region == RegionKind::kText)
        bound_pc_fields.insert(r.offset);
    }
    if (s.name == ".eh_frame") {
      patch.eh_frame = plan.address;
      patch.eh_frame_size = s.size;
      drop_fdes_of_bound_code(patch, s, bound_pc_fields);
    }
  }
  return fill_stubs(patch);
}

}  // namespace hotswap
