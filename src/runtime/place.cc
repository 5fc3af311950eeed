// Placing a patch: for every section, the patch's copy or the running instance (the
// binding rules of DESIGN §4, docs/binding-rules.md), then memory for the copies.
#include <elf.h>

#include <cstring>

#include "arch/x86_64/redirect.h"
#include "arch/x86_64/relocations.h"
#include "runtime/eh_frame.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_named_definition(const ElfSymbol& s) {
  return s.shndx != SHN_UNDEF && s.shndx < SHN_LORESERVE && !s.name.empty() && s.type != STT_SECTION &&
         s.type != STT_FILE;
}

// Vtables, construction vtables (classes with virtual bases), VTTs, typeinfo and its name.
bool is_type_identity(const std::string& name) {
  return starts_with(name, "_ZTV") || starts_with(name, "_ZTC") || starts_with(name, "_ZTI") ||
         starts_with(name, "_ZTS") || starts_with(name, "_ZTT");
}

bool is_code(const ElfSection& s) { return (s.flags & SHF_ALLOC) && (s.flags & SHF_EXECINSTR); }

// A split part of a function (foo.cold, foo.part.0): it runs as part of whatever calls it.
bool is_split_part(const std::string& name) {
  return name.find(".cold") != std::string::npos || name.find(".part.") != std::string::npos;
}

std::string where(const ElfSection& s) { return "section " + s.name; }

struct SectionSymbols {
  std::vector<std::vector<const ElfSymbol*>> by_section;
  explicit SectionSymbols(const ElfFile& elf) : by_section(elf.sections().size()) {
    for (const ElfSymbol& s : elf.symbols())
      if (is_named_definition(s) && s.shndx < by_section.size()) by_section[s.shndx].push_back(&s);
  }
};

// The section a relocation points into, or 0 for an undefined or reserved one.
std::size_t target_section(const ElfFile& elf, const ElfRelocation& r) {
  const ElfSymbol& s = elf.symbols()[r.symbol];
  return s.shndx != SHN_UNDEF && s.shndx < elf.sections().size() ? s.shndx : 0;
}

SymbolRef data_identity(const LinkedPatch& patch, const ElfSymbol& s) {
  SymbolRef id = identity_of(s);
  auto b = patch.data_bindings.find(key_of(id));
  return b == patch.data_bindings.end() ? id : SymbolRef{b->second.second, b->second.first};
}

// Static initialization code: what .init_array names, and the code only it reaches that
// the compiler set apart for start-up (.text.startup*) or split off it (.cold parts).
// main, and functions only main calls, also live in .text.startup, but no initializer
// reaches them: they are ordinary code. Code shared by an initializer and ordinary code
// could run with only one view of the data, so a patch that runs initializers refuses it.
Status mark_init_code(LinkedPatch& patch, const SectionSymbols& symbols) {
  const ElfFile& elf = *patch.file.elf;
  const auto& sections = elf.sections();
  auto startup_only = [&](std::size_t index) {
    if (starts_with(sections[index].name, ".text.startup")) return true;
    bool any = false;
    for (const ElfSymbol* sym : symbols.by_section[index]) {
      if (sym->type != STT_FUNC) continue;
      if (!is_split_part(sym->name)) return false;
      any = true;
    }
    return any;
  };
  std::vector<std::size_t> work;
  for (const ElfSection& s : sections)
    if (s.type == SHT_INIT_ARRAY)
      for (const ElfRelocation& r : elf.relocations_for(s.index))
        if (std::size_t t = target_section(elf, r); t && is_code(sections[t])) work.push_back(t);
  while (!work.empty()) {
    std::size_t at = work.back();
    work.pop_back();
    if (patch.sections[at].init_code) continue;
    patch.sections[at].init_code = true;
    for (const ElfRelocation& r : elf.relocations_for(at))
      if (std::size_t t = target_section(elf, r); t && t != at && is_code(sections[t]) && startup_only(t))
        work.push_back(t);
  }
  return Status::success();
}

// After code is planned: loaded ordinary code must not call or take the address of
// static-initialization code (see mark_init_code).
Status check_init_code_is_separate(LinkedPatch& patch, const SectionSymbols& symbols) {
  const ElfFile& elf = *patch.file.elf;
  const auto& sections = elf.sections();
  for (const ElfSection& s : sections) {
    const SectionPlan& plan = patch.sections[s.index];
    if (!is_code(s) || plan.init_code || plan.placement != Placement::kLoad) continue;
    for (const ElfRelocation& r : elf.relocations_for(s.index)) {
      std::size_t t = target_section(elf, r);
      if (!t || !patch.sections[t].init_code) continue;
      std::string name = symbols.by_section[t].empty() ? sections[t].name : symbols.by_section[t].front()->name;
      return make_error("function " + name + " runs both as static initialization and from " + s.name +
                        ": a patch that brings new data runs its initializers on private copies of the data, "
                        "which that code would share");
    }
  }
  // A changed function that only initializers call in the new release (GCC put it in
  // .text.startup) is carried with them, like an initializer, never redirected: the new
  // release's ordinary code does not call it, and the running program's copy is the old
  // release's to call.
  for (const ElfSymbol& sym : elf.symbols()) {
    if (sym.type != STT_FUNC || sym.shndx >= sections.size() || !patch.sections[sym.shndx].init_code) continue;
    SymbolKey key = key_of(identity_of(sym));
    if (patch.changed.erase(key)) patch.added.insert(key);
  }
  return Status::success();
}

// Code: the patch's copy for changed, new, clone and static-initialization code; the
// running copy for a function the patch carries unchanged. References that take a
// function's address (not calls) get its canonical entry.
Status plan_code(LinkedPatch& patch, const Scope& scope, const std::vector<const ElfSymbol*>& symbols,
                 SectionPlan& plan) {
  plan.region = RegionKind::kText;
  plan.placement = Placement::kLoad;
  bool patch_copy = false;
  for (const ElfSymbol* sym : symbols) {
    if (sym->type == STT_GNU_IFUNC)
      return make_error("indirect function " + sym->name + " (ifunc, target_clones) cannot be loaded by a patch");
    SymbolKey key = key_of(identity_of(*sym));
    if (patch.changed.count(key) || patch.added.count(key)) patch_copy = true;
    if (!plan.function && sym->type == STT_FUNC && sym->name.find('.') == std::string::npos) plan.function = sym;
  }
  if (plan.init_code || !plan.function) return Status::success();
  SymbolRef id = identity_of(*plan.function);
  // A function whose signature changed has no canonical entry: the running one's belongs to
  // the old function (and leads to its stub); the new one is known by its own address.
  if (!patch.resigned.count(key_of(id)))
    if (auto canonical = scope.canonical_entry(id)) plan.canonical_base = *canonical - plan.function->value;
  if (patch_copy) return Status::success();
  auto running = scope.find(id);
  if (!running || running->type != STT_FUNC) return Status::success();
  plan.placement = Placement::kBindRunning;
  plan.address = running->address - plan.function->value;
  return Status::success();
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
    if (patch.migrated.count(key_of(id))) {  // its type changed: a new instance (migrate.h)
      if (!running || running->type != STT_OBJECT)
        return make_error("migrated datum " + id.display() + " has no running instance");
      missing = sym;
      continue;
    }
    if (!running || running->type == STT_FUNC || running->type == STT_GNU_IFUNC) {
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
// which must stay the running program's for exceptions and dynamic_cast. Whether the
// running copy still has the content the patch expects is checked once symbols are bound
// (check_type_identity).
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

bool is_loadable(const ElfSection& s) {
  if (!(s.flags & SHF_ALLOC) || s.type == SHT_NOTE || s.type == SHT_GROUP) return false;
  // Termination functions of the patch never run (its destructors of new data go through
  // __cxa_atexit; AddressSanitizer's module destructors, in prioritized .fini_array.NNNNN,
  // would unregister globals at exit): docs/binding-rules.md.
  return s.name != "__patchable_function_entries" && s.type != SHT_FINI_ARRAY && s.name.rfind(".fini_array", 0) != 0;
}

}  // namespace

Status plan_sections(LinkedPatch& patch, const Scope& scope) {
  const ElfFile& elf = *patch.file.elf;
  SectionSymbols symbols(elf);
  patch.sections.assign(elf.sections().size(), SectionPlan{});
  // Data first: whether the patch brings new data decides whether its initializers run,
  // and with them which code is static initialization.
  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    if (!is_loadable(s)) continue;
    if (s.type != SHT_PROGBITS && s.type != SHT_NOBITS && s.type != SHT_INIT_ARRAY && s.type != SHT_X86_64_UNWIND)
      return make_error(where(s) + " has unsupported type " + std::to_string(s.type));
    const auto& syms = symbols.by_section[s.index];
    if (is_code(s) || s.type == SHT_INIT_ARRAY) continue;
    if ((s.flags & SHF_WRITE) && !starts_with(s.name, ".data.rel.ro")) {
      HOTSWAP_TRY(plan_writable(patch, scope, s, syms, plan));
    } else {
      plan_readonly(scope, syms, plan);
    }
  }
  if (patch.has_new_data) HOTSWAP_TRY(mark_init_code(patch, symbols));
  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    if (!is_loadable(s)) continue;
    if (is_code(s)) {
      HOTSWAP_TRY(plan_code(patch, scope, symbols.by_section[s.index], plan));
    } else if (s.type == SHT_INIT_ARRAY && patch.has_new_data) {
      plan.region = RegionKind::kData;
      plan.placement = Placement::kLoad;
    }
  }
  if (patch.has_new_data) HOTSWAP_TRY(check_init_code_is_separate(patch, symbols));
  return Status::success();
}

namespace {

constexpr std::uint64_t kMaxAlignment = 1u << 20;
constexpr std::uint64_t kMaxPatchMemory = 1ull << 30;

// Offsets within the three regions, with every size and alignment checked: section sizes
// come from the file (an SHT_NOBITS size is only a number).
struct Layout {
  std::uint64_t size[3] = {0, 0, 0};
  std::uint64_t align[3] = {kPageSize, kPageSize, kPageSize};

  Expected<std::uint64_t> place(RegionKind r, std::uint64_t bytes, std::uint64_t alignment, const std::string& what) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment)
      return make_error(what + " asks for alignment " + std::to_string(alignment) + " (a power of two up to " +
                        std::to_string(kMaxAlignment) + " is supported)");
    auto& s = size[static_cast<int>(r)];
    if (bytes > kMaxPatchMemory || s > kMaxPatchMemory)
      return make_error(what + " is " + std::to_string(bytes) + " bytes: a patch may use at most " +
                        std::to_string(kMaxPatchMemory) + " bytes of memory");
    s = (s + alignment - 1) & ~(alignment - 1);
    std::uint64_t at = s;
    s += bytes;
    align[static_cast<int>(r)] = std::max(align[static_cast<int>(r)], alignment);
    return at;
  }
};

bool covers_loaded_code(const LinkedPatch& patch, const ElfRelocation& r) {
  std::size_t t = target_section(*patch.file.elf, r);
  return t && patch.sections[t].placement == Placement::kLoad && patch.sections[t].region == RegionKind::kText;
}

// The relocations of a loaded section: the unwind table's own for .eh_frame.
const std::vector<ElfRelocation>& relocations_of(const LinkedPatch& patch, const ElfSection& s) {
  return s.name == ".eh_frame" ? patch.unwind.relocations : patch.file.elf->relocations_for(s.index);
}

std::uint64_t loaded_size(const LinkedPatch& patch, const ElfSection& s) {
  return s.name == ".eh_frame" ? patch.unwind.bytes.size() : s.size;
}

// Counts the GOT slots and PLT stubs the loaded sections' relocations need.
Status scan_relocations(LinkedPatch& patch) {
  const ElfFile& elf = *patch.file.elf;
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    bool shadowed = patch.has_new_data && plan.placement == Placement::kBindRunning &&
                    plan.region == RegionKind::kData && !plan.tls;
    if (plan.placement != Placement::kLoad && !shadowed) continue;
    bool view = shadowed || plan.init_code;  // relocate_sections: shadows are initialization's
    std::uint64_t size = loaded_size(patch, s);
    for (const ElfRelocation& r : relocations_of(patch, s)) {
      using x86_64::RelocClass;
      const ElfSymbol& sym = elf.symbols()[r.symbol];
      std::size_t width = x86_64::relocation_width(r.type);
      switch (x86_64::classify(r.type)) {
        case RelocClass::kUnsupported:
          return make_error("relocation " + std::string(x86_64::relocation_name(r.type)) + " at " + s.name + "+0x" +
                            std::to_string(r.offset) + " against " + sym.name +
                            " is not supported: " + x86_64::unsupported_reason(r.type));
        case RelocClass::kCall:
          if (sym.shndx == SHN_UNDEF) patch.plt_stubs.emplace(r.symbol, 0);
          break;
        case RelocClass::kGotEntry:
          patch.got_slots.emplace(GotKey{r.symbol, GotKind::kAddress, view, 0}, 0);
          break;
        case RelocClass::kGotTpoff:
          patch.got_slots.emplace(GotKey{r.symbol, GotKind::kTpoff, view, 0}, 0);
          break;
        case RelocClass::kPcRelative:
          // Data of a shared library the running program never referenced lies beyond a
          // PC32's reach; a `lea` of it can load its address from a slot instead.
          if (r.type == R_X86_64_PC32 && sym.shndx == SHN_UNDEF && is_code(s))
            patch.got_slots.emplace(GotKey{r.symbol, GotKind::kLeaTarget, view, r.addend}, 0);
          break;
        default:
          break;
      }
      if (r.offset > size || size - r.offset < width)
        return make_error("relocation at " + s.name + "+" + std::to_string(r.offset) + " lies outside the section");
    }
  }
  return Status::success();
}

}  // namespace

Status allocate_sections(LinkedPatch& patch, const RunningImage& image, std::size_t redirect_slots) {
  const ElfFile& elf = *patch.file.elf;
  if (const ElfSection* eh = elf.find_section(".eh_frame");
      eh && patch.sections[eh->index].placement == Placement::kLoad) {
    auto table = loaded_unwind_table(eh->bytes, elf.relocations_for(eh->index),
                                     [&patch](const ElfRelocation& r) { return covers_loaded_code(patch, r); });
    if (!table) return table.error();
    patch.unwind = std::move(*table);
  }
  HOTSWAP_TRY(scan_relocations(patch));

  // Offsets within three regions: text (code, stubs), rodata (constants, GOT), data.
  Layout layout;
  std::vector<std::uint64_t> offset(elf.sections().size(), 0), shadow_offset(elf.sections().size(), 0);
  bool shadows = patch.has_new_data;
  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    if (plan.placement == Placement::kLoad) {
      std::uint64_t extra = s.name == ".eh_frame" ? 4 : 0;  // the zero terminator
      auto at = layout.place(plan.region, loaded_size(patch, s) + extra, s.align, where(s));
      if (!at) return at.error();
      offset[s.index] = *at;
    } else if (shadows && plan.placement == Placement::kBindRunning && plan.region == RegionKind::kData && !plan.tls) {
      auto at = layout.place(RegionKind::kData, s.size, s.align, where(s));
      if (!at) return at.error();
      shadow_offset[s.index] = *at;
    }
  }
  auto stubs_at = layout.place(RegionKind::kText, patch.plt_stubs.size() * x86_64::kPltStubSize, 16, "PLT stubs");
  auto got_at = layout.place(RegionKind::kRodata, (patch.got_slots.size() + patch.plt_stubs.size()) * 8, 8, "GOT");
  auto slots_at = layout.place(RegionKind::kData, redirect_slots * 8, 8, "jump slots");
  auto object_at = layout.place(RegionKind::kData, kFrameObjectBytes, 16, "unwinder record");
  for (const auto* at : {&stubs_at, &got_at, &slots_at, &object_at})
    if (!*at) return at->error();

  auto round = [](std::uint64_t n, std::uint64_t a) { return (n + a - 1) & ~(a - 1); };
  std::uint64_t text_size = round(layout.size[0], kPageSize);
  std::uint64_t rodata_at = round(text_size, layout.align[1]);
  std::uint64_t data_at = round(rodata_at + round(layout.size[1], kPageSize), layout.align[2]);
  std::uint64_t total = std::max<std::uint64_t>(data_at + round(layout.size[2], kPageSize), kPageSize);
  if (total > kMaxPatchMemory) return make_error("the patch needs more than " + std::to_string(kMaxPatchMemory) + " bytes of memory");
  std::uint64_t alignment = std::max({layout.align[0], layout.align[1], layout.align[2]});
  auto memory = map_near_image(image.start, image.end, total, alignment);
  if (!memory) return memory.error();
  patch.memory = *memory;
  auto base = reinterpret_cast<std::uint64_t>(patch.memory.base);
  patch.text_begin = base;
  patch.text_end = base + text_size;
  patch.rodata_begin = base + rodata_at;
  patch.rodata_end = patch.rodata_begin + round(layout.size[1], kPageSize);
  patch.data_begin = base + data_at;
  patch.data_end = base + total;
  const std::uint64_t region_start[3] = {patch.text_begin, patch.rodata_begin, patch.data_begin};

  for (const ElfSection& s : elf.sections()) {
    SectionPlan& plan = patch.sections[s.index];
    std::uint64_t start = region_start[static_cast<int>(plan.region)];
    if (plan.placement == Placement::kLoad) {
      plan.address = start + offset[s.index];
      std::span<const unsigned char> bytes = s.name == ".eh_frame" ? std::span(patch.unwind.bytes) : s.bytes;
      if (!bytes.empty()) std::memcpy(reinterpret_cast<void*>(plan.address), bytes.data(), bytes.size());
    } else if (shadows && plan.placement == Placement::kBindRunning && plan.region == RegionKind::kData && !plan.tls) {
      plan.shadow = patch.data_begin + shadow_offset[s.index];
      if (!s.bytes.empty()) std::memcpy(reinterpret_cast<void*>(plan.shadow), s.bytes.data(), s.bytes.size());
    }
  }
  std::uint64_t next_stub = patch.text_begin + *stubs_at, next_slot = patch.rodata_begin + *got_at;
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
  patch.redirect_slots.reserve(redirect_slots);  // one allocation (reclaim.h: no stale copies)
  for (std::size_t i = 0; i < redirect_slots; ++i)
    patch.redirect_slots.push_back(reinterpret_cast<std::uint64_t*>(patch.data_begin + *slots_at + 8 * i));
  patch.frame_object = patch.data_begin + *object_at;
  return Status::success();
}

bool discard_patch(LinkedPatch& patch) {
  // Once the unwinder knows the patch's tables, its initializers ran or it was live,
  // something outside the runtime may hold addresses inside it: it stays mapped.
  if (patch.eh_frame_registered || patch.initializers_ran || patch.was_live) return false;
  unmap_region(patch.memory);
  patch.memory = {};
  return true;
}

}  // namespace hotswap
