#include "runtime/image.h"

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <climits>

namespace hotswap {
namespace {

struct MainProgram {
  std::uint64_t bias = 0, start = UINT64_MAX, end = 0;
  bool has_tls = false;
  void* tls_data = nullptr;
  bool found = false;
};

// dl_iterate_phdr lists the main program first, with an empty name.
int find_main_program(struct dl_phdr_info* info, size_t, void* out) {
  auto* m = static_cast<MainProgram*>(out);
  m->found = true;
  m->bias = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD) {
      m->start = std::min<std::uint64_t>(m->start, info->dlpi_addr + ph.p_vaddr);
      m->end = std::max<std::uint64_t>(m->end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    }
    if (ph.p_type == PT_TLS) m->has_tls = true;
  }
  m->tls_data = info->dlpi_tls_data;
  return 1;
}

// Calls an ifunc resolver as the dynamic linker does: without knowing its declared type
// (it returns some function pointer), so the function-type sanitizer is told to look away.
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
std::uint64_t call_resolver(std::uint64_t resolver) {
  return reinterpret_cast<std::uint64_t (*)()>(resolver)();
}

}  // namespace

std::uint64_t RunningImage::address_of(const ElfSymbol& s) const {
  if (s.type == STT_TLS) return static_cast<std::uint64_t>(tls_offset + static_cast<std::int64_t>(s.value));
  if (s.shndx == SHN_ABS) return s.value;
  if (s.type == STT_GNU_IFUNC) {
    // What the program itself calls: the slot the dynamic linker filled with the resolver's
    // choice; failing that, the resolver's answer now (x86-64 resolvers take no arguments,
    // as the dynamic linker calls them).
    if (auto slot = ifunc_slots.find(s.value); slot != ifunc_slots.end())
      return *reinterpret_cast<const std::uint64_t*>(slot->second);
    return call_resolver(bias + s.value);
  }
  return bias + s.value;
}

std::optional<std::int64_t> RunningImage::library_tls_offset(const std::string& name) const {
  auto slot = tls_offset_slots.find(name);
  if (slot == tls_offset_slots.end()) return std::nullopt;
  return *reinterpret_cast<const std::int64_t*>(slot->second);
}

Expected<std::unique_ptr<RunningImage>> read_running_image() {
  auto image = std::make_unique<RunningImage>();
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return make_error("cannot resolve /proc/self/exe");
  path[n] = 0;
  image->path = path;
  // Mapped, not read: the executable cannot be truncated while it runs, and its bytes are
  // then neither copied nor writable memory (reclaim.h scans writable memory).
  auto elf = ElfFile::open_mapped("/proc/self/exe");
  if (!elf) return make_error("reading the running executable: " + elf.error().message);
  if (elf->build_id().empty()) return make_error(image->path + " has no build-id: link it with -Wl,--build-id");
  if (elf->symbols().empty()) return make_error(image->path + " has no symbol table (was it stripped?)");
  image->elf = std::make_unique<ElfFile>(std::move(*elf));
  image->index = std::make_unique<SymbolIndex>(*image->elf);

  MainProgram m;
  dl_iterate_phdr(find_main_program, &m);
  if (!m.found) return make_error("cannot find the main program's mapping");
  image->bias = m.bias;
  image->start = m.start;
  image->end = m.end;
  for (const ElfDynamicRelocation& r : image->elf->dynamic_relocations()) {
    if (r.type == R_X86_64_TPOFF64 && !r.symbol.empty() && r.addend == 0)
      image->tls_offset_slots.emplace(r.symbol, m.bias + r.offset);
    if (r.type == R_X86_64_IRELATIVE)
      image->ifunc_slots.emplace(static_cast<std::uint64_t>(r.addend), m.bias + r.offset);
  }
  image->has_tls = m.has_tls;
  if (m.has_tls) {
    // Static TLS: the block sits at the same offset from every thread's pointer, so this
    // thread's block address gives it. The runtime runs in the main program, whose block
    // the loader always allocates up front.
    if (!m.tls_data) return make_error("the executable's TLS block is not allocated");
    auto tp = reinterpret_cast<std::uint64_t>(__builtin_thread_pointer());
    image->tls_offset = static_cast<std::int64_t>(reinterpret_cast<std::uint64_t>(m.tls_data) - tp);
  }
  return image;
}

}  // namespace hotswap
