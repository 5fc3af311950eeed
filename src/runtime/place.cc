// Placing a patch: for every section, the patch's copy or the running instance (the
// binding rules of DESIGN §4, docs/binding-rules.md), then memory for the copies.
#include <elf.h>

#include <cstring>

#include "arch/x86_64/redirect.h"
#include "arch/x86_64/relocations.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_named_definition(const ElfSymbol& s) {
  return s.shndx != SHN_UNDEF && s.shndx < SHN_LORESERVE && !s.name.empty() && s.type != STT_SECTION &&
         s.type != STT_FILE;
}

// Clones and split parts (foo.cold, foo.part.0, foo.constprop.0, foo.isra.0) belong to the
// patch's own copy of their parent: the running program's namesake may be a different
// specialization.
bool is_clone_or_part(const std::string& name) { return name.find('.') != std::string::npos; }

bool is_type_identity(const std::string& name) {
  return starts_with(name, "_ZTV") || starts_with(name, "_ZTI") || starts_with(name, "_ZTS") ||
         starts_with(name, "_ZTT");
}

std::string where(const ElfSection& s) { return "section " + s.name; }

struct SectionSymbols {
  std::vector<std::vector<const ElfSymbol*>> by_section;
  explicit SectionSymbols(const ElfFile& elf) : by_section(elf.sections().size()) {
    for (const ElfSymbol& s : elf.symbols())
      if (is_named_definition(s)) by_section[s.shndx].push_back(&s);
  }
};

SymbolRef data_identity(const LinkedPatch& patch, const ElfSymbol& s) {
  SymbolRef id = identity_of(s);
  auto b = patch.data_bindings.find(key_of(id));
  return b == patch.data_bindings.end() ? id : SymbolRef{b->second.second, b->second.first};
}

// Code: the patch's copy for changed, new, clone and static-initialization code; the
// running copy for a function the patch carries unchanged.
void plan_code(LinkedPatch& patch, const Scope& scope, const ElfSection& s,
               const std::vector<const ElfSymbol*>& symbols, SectionPlan& plan) {
  plan.region = RegionKind::kText;
  plan.placement = Placement::kLoad;
  plan.init_code = starts_with(s.name, ".text.startup");
  if (plan.init_code) return;
  const ElfSymbol* primary = nullptr;
  for (const ElfSymbol* sym : symbols) {
    SymbolKey key = key_of(identity_of(*sym));
    if (patch.changed.count(key) || patch.added.count(key)) return;
    if (!primary && sym->type == STT_FUNC && !is_clone_or_part(sym->name)) primary = sym;
  }
  if (!primary) return;
  auto running = scope.find(identity_of(*primary));
  if (!running || running->type != STT_FUNC) return;
  plan.placement = Placement::kBindRunning;
  plan.address = running->address - primary->value;
}

// Writable data: the running instance when every datum in the section exists there (state
// is kept), the patch's copy when none does (new data).
Status plan_writable(LinkedPatch& patch, const Scope& scope, const ElfSection& s,
                     const std::vector<const ElfSymbol*>& symbols, SectionPlan& plan) {
  plan.region = RegionKind::kData;
  plan.tls = s.flags & SHF_TLS;
  std::size_t bound = 0;
  std::uint64_t base = 0;
  const ElfSymbol* missing = nullptr;
  for (const ElfSymbol* sym : symbols) {
    SymbolRef id = data_identity(patch, *sym);
    auto running = scope.find(id);
    if (!running || running->type == STT_FUNC) {
      missing = sym;
      continue;
    }
    if ((running->type == STT_TLS) != plan.tls)
      return make_error(id.display() + " changed between thread-local and global storage");
    if (running->size != sym->size)
      return make_error("datum " + id.display() + " changed size from " + std::to_string(running->size) + " to " +
                        std::to_string(sym->size) + " bytes: a type change needs a transformer");
    std::uint64_t b = running->address - sym->value;
    if (bound && b != base)
      return make_error(where(s) + " holds data that are not laid out together in the running program");
    base = b;
    ++bound;
  }
  if (bound && missing)
    return make_error(where(s) + " mixes running data with new datum " + identity_of(*missing).display());
  if (bound) {
    plan.placement = Placement::kBindRunning;
    plan.address = base;
    return Status::success();
  }
  if (plan.tls && !symbols.empty())
    return make_error("new thread_local variable " + identity_of(*symbols.front()).display() +
                      " is not supported (static TLS cannot grow in a running process)");
  if (plan.tls) return make_error(where(s) + ": thread-local data without a symbol");
  plan.placement = Placement::kLoad;
  if (!symbols.empty()) patch.has_new_data = true;
  return Status::success();
}

// Read-only data are code: the patch's copy, except type identity (vtables, typeinfo),
// which must stay the running program's for exceptions and dynamic_cast.
void plan_readonly(const Scope& scope, const std::vector<const ElfSymbol*>& symbols, SectionPlan& plan) {
  plan.region = RegionKind::kRodata;
  plan.placement = Placement::kLoad;
  if (symbols.empty()) return;
  std::uint64_t base = 0;
  for (const ElfSymbol* sym : symbols) {
    if (!is_type_identity(sym->name)) return;
    auto running = scope.find(identity_of(*sym));
    if (!running) return;
    std::uint64_t b = running->address - sym->value;
    if (sym != symbols.front() && b != base) return;
    base = b;
  }
  plan.placement = Placement::kBindRunning;
  plan.address = base;
}

}  // namespace

Status plan_sections(LinkedPatch& patch, const Scope& scope) {
  const ElfFile& elf = *patch.file.elf;
  SectionSymbols symbols(elf);
  patch.sections.assign(elf.sections().size(), SectionPlan{});
  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    if (!(s.flags & SHF_ALLOC) || s.type == SHT_NOTE || s.type == SHT_GROUP) continue;
    if (s.name == "__patchable_function_entries" || s.name == ".fini_array") continue;
    if (s.type != SHT_PROGBITS && s.type != SHT_NOBITS && s.type != SHT_INIT_ARRAY && s.type != SHT_X86_64_UNWIND)
      return make_error(where(s) + " has unsupported type " + std::to_string(s.type));
    const auto& syms = symbols.by_section[s.index];
    if (s.flags & SHF_EXECINSTR) {
      plan_code(patch, scope, s, syms, plan);
    } else if (s.type == SHT_INIT_ARRAY) {
      plan.region = RegionKind::kData;
      plan.placement = Placement::kLoad;
    } else if ((s.flags & SHF_WRITE) && !starts_with(s.name, ".data.rel.ro")) {
      HOTSWAP_TRY(plan_writable(patch, scope, s, syms, plan));
    } else {
      plan_readonly(scope, syms, plan);
    }
  }
  return Status::success();
}

namespace {

struct Layout {
  std::uint64_t size[3] = {0, 0, 0};
  std::uint64_t place(RegionKind r, std::uint64_t bytes, std::uint64_t align) {
    auto& s = size[static_cast<int>(r)];
    s = (s + align - 1) / align * align;
    std::uint64_t at = s;
    s += bytes;
    return at;
  }
};

// Counts the GOT slots and PLT stubs the loaded sections' relocations need.
Status scan_relocations(LinkedPatch& patch) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    if (patch.sections[s.index].placement != Placement::kLoad) continue;
    for (const ElfRelocation& r : elf.relocations_for(s.index)) {
      using x86_64::RelocClass;
      const ElfSymbol& sym = elf.symbols()[r.symbol];
      switch (x86_64::classify(r.type)) {
        case RelocClass::kUnsupported:
          return make_error("relocation " + std::string(x86_64::relocation_name(r.type)) + " at " + s.name + "+0x" +
                            std::to_string(r.offset) + " against " + sym.name +
                            " is not supported: " + x86_64::unsupported_reason(r.type));
        case RelocClass::kCall:
          if (sym.shndx == SHN_UNDEF) patch.plt_stubs.emplace(r.symbol, 0);
          break;
        case RelocClass::kGotEntry:
          patch.got_slots.emplace(std::make_pair(r.symbol, false), 0);
          break;
        case RelocClass::kGotTpoff:
          patch.got_slots.emplace(std::make_pair(r.symbol, true), 0);
          break;
        default:
          break;
      }
      std::size_t width = x86_64::relocation_width(r.type);
      if (r.offset > s.size || s.size - r.offset < width)
        return make_error("relocation at " + s.name + "+" + std::to_string(r.offset) + " lies outside the section");
    }
  }
  return Status::success();
}

}  // namespace

Status allocate_sections(LinkedPatch& patch, const RunningImage& image, std::size_t redirect_slots) {
  const ElfFile& elf = *patch.file.elf;
  HOTSWAP_TRY(scan_relocations(patch));

  // Offsets within three regions: text (code, stubs), rodata (constants, GOT), data.
  Layout layout;
  std::vector<std::uint64_t> offset(elf.sections().size(), 0), shadow_offset(elf.sections().size(), 0);
  bool shadows = patch.has_new_data;
  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    if (plan.placement == Placement::kLoad) {
      std::uint64_t extra = s.name == ".eh_frame" ? 4 : 0;  // the zero terminator
      offset[s.index] = layout.place(plan.region, s.size + extra, s.align);
    } else if (shadows && plan.placement == Placement::kBindRunning && plan.region == RegionKind::kData && !plan.tls) {
      shadow_offset[s.index] = layout.place(RegionKind::kData, s.size, s.align);
    }
  }
  std::uint64_t stubs_at = layout.place(RegionKind::kText, patch.plt_stubs.size() * x86_64::kPltStubSize, 16);
  std::uint64_t got_at = layout.place(RegionKind::kRodata, patch.got_slots.size() * 8 + patch.plt_stubs.size() * 8, 8);
  std::uint64_t slots_at = layout.place(RegionKind::kData, redirect_slots * 8, 8);

  std::uint64_t text_size = page_round_up(layout.size[0]), rodata_size = page_round_up(layout.size[1]);
  std::uint64_t data_size = page_round_up(layout.size[2]);
  auto memory = map_near_image(image.start, image.end, std::max<std::uint64_t>(text_size + rodata_size + data_size, kPageSize));
  if (!memory) return memory.error();
  patch.memory = *memory;
  auto base = reinterpret_cast<std::uint64_t>(patch.memory.base);
  patch.text_begin = base;
  patch.text_end = base + text_size;
  patch.rodata_begin = patch.text_end;
  patch.rodata_end = patch.rodata_begin + rodata_size;
  patch.data_begin = patch.rodata_end;
  patch.data_end = patch.data_begin + data_size;
  const std::uint64_t region_start[3] = {patch.text_begin, patch.rodata_begin, patch.data_begin};

  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    std::uint64_t start = region_start[static_cast<int>(plan.region)];
    if (plan.placement == Placement::kLoad) {
      plan.address = start + offset[s.index];
      if (!s.bytes.empty()) std::memcpy(reinterpret_cast<void*>(plan.address), s.bytes.data(), s.bytes.size());
    } else if (shadows && plan.placement == Placement::kBindRunning && plan.region == RegionKind::kData && !plan.tls) {
      plan.shadow = patch.data_begin + shadow_offset[s.index];
      if (!s.bytes.empty()) std::memcpy(reinterpret_cast<void*>(plan.shadow), s.bytes.data(), s.bytes.size());
    }
  }
  std::uint64_t next_stub = patch.text_begin + stubs_at, next_slot = patch.rodata_begin + got_at;
  for (auto& [symbol, stub] : patch.plt_stubs) {
    stub = next_stub;
    next_stub += x86_64::kPltStubSize;
  }
  patch.got_base = next_slot;
  for (auto& [key, slot] : patch.got_slots) {
    slot = next_slot;
    next_slot += 8;
  }
  patch.plt_slots = next_slot;  // the stubs' own slots follow the GOT slots, in stub order
  for (std::size_t i = 0; i < redirect_slots; ++i)
    patch.redirect_slots.push_back(reinterpret_cast<std::uint64_t*>(patch.data_begin + slots_at + 8 * i));
  return Status::success();
}

void discard_patch(LinkedPatch& patch) {
  if (patch.eh_frame_registered) return;  // the unwinder may hold pointers into it: keep it
  unmap_region(patch.memory);
  patch.memory = {};
}

}  // namespace hotswap
