// libFuzzer entry point for the patch reader and every staging step of the runtime's
// linker: read, place, bind, the type-identity check, relocate, stage, then discard.
//
// Inputs are patches the end-to-end programs' builds made (fuzz/corpus/patch_staging),
// mutated byte-wise by libFuzzer and field-wise by the custom mutator below: section
// headers, symbols and relocations get values the linker must survive (reserved section
// indices, sizes near 2^64, offsets past the section, odd alignments). Before each run the
// patch id is recomputed, so inputs pass the content check and reach the linker. The
// running program is this fuzzer, which links version 1 of those programs: the patches'
// symbols bind to real definitions. Nothing is committed, so no code of a patch ever runs;
// verification against the running version is skipped (the base and the code hashes are
// the e2e builds', not this binary's).
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/patch_id.h"
#include "runtime/image.h"
#include "runtime/patch_file.h"
#include "runtime/steps.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace hotswap {
namespace {

struct Running {
  std::unique_ptr<RunningImage> image;
  std::unique_ptr<Scope> scope;
};

const Running& running() {
  static Running r = [] {
    Running out;
    auto image = read_running_image();
    if (!image) {
      std::fprintf(stderr, "patch_staging fuzzer: %s\n", image.error().message.c_str());
      std::abort();
    }
    out.image = std::move(*image);
    out.scope = std::make_unique<Scope>(*out.image);
    return out;
  }();
  return r;
}

// The steps of Runtime::stage after read, in order; the patch is always discarded.
void stage(PatchFile file) {
  const Running& r = running();
  LinkedPatch patch;
  patch.file = std::move(file);
  std::size_t slots = 0;
  for (const ManifestFunction& f : patch.file.manifest.functions) {
    bool changed = f.kind == ManifestFunction::Kind::kChanged && !is_static_initializer(f.symbol.name);
    (changed ? patch.changed : patch.added).insert(key_of(f.symbol));
    if (changed) slots += r.scope->entries(f.symbol).size();
  }
  for (const ManifestData& d : patch.file.manifest.data)
    if (d.kind == ManifestData::Kind::kBind) patch.data_bindings[key_of(d.symbol)] = key_of(d.bind_to);
  Status s = plan_sections(patch, *r.scope);
  if (s) s = allocate_sections(patch, *r.image, slots);
  if (s) s = bind_symbols(patch, *r.scope);
  if (s) s = check_type_identity(patch, *r.scope, *r.image);
  if (s) s = relocate_sections(patch);
  if (s) s = stage_patch(patch, *r.image);
  if (!discard_patch(patch)) std::abort();  // staging never registers or runs anything
}

// Values a field of an ELF header is worth trying.
std::uint64_t interesting(std::mt19937_64& rng, std::uint64_t old) {
  static const std::uint64_t kValues[] = {0,          1,          2,          4,          7,         8,
                                          14,         16,         4096,       1 << 20,    1ull << 21, 0x7fffffff,
                                          0x80000000, 0xffffffff, 1ull << 63, ~0ull,      ~0ull - 7,  SHN_ABS,
                                          SHN_COMMON, SHN_XINDEX, 0xff02,     SHN_LORESERVE};
  switch (rng() % 4) {
    case 0: return kValues[rng() % std::size(kValues)];
    case 1: return old + (rng() % 33) - 16;
    case 2: return old ^ (1ull << (rng() % 64));
    default: return rng();
  }
}

template <class T>
bool read_at(const std::uint8_t* data, std::size_t size, std::uint64_t offset, T& out) {
  if (offset > size || sizeof(T) > size - offset) return false;
  std::memcpy(&out, data + offset, sizeof(T));
  return true;
}

// One field of a section header, a symbol or a relocation gets a new value.
void mutate_structure(std::uint8_t* data, std::size_t size, std::mt19937_64& rng) {
  Elf64_Ehdr eh;
  if (!read_at(data, size, 0, eh) || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0) return;
  std::vector<Elf64_Shdr> sections(eh.e_shnum);
  for (std::size_t i = 0; i < sections.size(); ++i)
    if (!read_at(data, size, eh.e_shoff + i * sizeof(Elf64_Shdr), sections[i])) return;
  auto pick_section = [&](std::uint32_t type) -> const Elf64_Shdr* {
    std::vector<const Elf64_Shdr*> found;
    for (const Elf64_Shdr& s : sections)
      if (s.sh_type == type && s.sh_entsize) found.push_back(&s);
    return found.empty() ? nullptr : found[rng() % found.size()];
  };
  switch (rng() % 3) {
    case 0: {  // a section header
      std::size_t i = rng() % sections.size();
      Elf64_Shdr s = sections[i];
      switch (rng() % 6) {
        case 0: s.sh_type = static_cast<Elf64_Word>(interesting(rng, s.sh_type)); break;
        case 1: s.sh_flags = interesting(rng, s.sh_flags); break;
        case 2: s.sh_size = interesting(rng, s.sh_size); break;
        case 3: s.sh_addralign = interesting(rng, s.sh_addralign); break;
        case 4: s.sh_info = static_cast<Elf64_Word>(interesting(rng, s.sh_info)); break;
        default: s.sh_offset = interesting(rng, s.sh_offset); break;
      }
      std::memcpy(data + eh.e_shoff + i * sizeof(Elf64_Shdr), &s, sizeof s);
      return;
    }
    case 1: {  // a symbol
      const Elf64_Shdr* symtab = pick_section(SHT_SYMTAB);
      if (!symtab || symtab->sh_size < sizeof(Elf64_Sym)) return;
      std::uint64_t at = symtab->sh_offset + (rng() % (symtab->sh_size / sizeof(Elf64_Sym))) * sizeof(Elf64_Sym);
      Elf64_Sym sym;
      if (!read_at(data, size, at, sym)) return;
      switch (rng() % 4) {
        case 0: sym.st_shndx = static_cast<Elf64_Section>(interesting(rng, sym.st_shndx)); break;
        case 1: sym.st_value = interesting(rng, sym.st_value); break;
        case 2: sym.st_size = interesting(rng, sym.st_size); break;
        default: sym.st_info = static_cast<unsigned char>(interesting(rng, sym.st_info)); break;
      }
      std::memcpy(data + at, &sym, sizeof sym);
      return;
    }
    default: {  // a relocation
      const Elf64_Shdr* rela = pick_section(SHT_RELA);
      if (!rela || rela->sh_size < sizeof(Elf64_Rela)) return;
      std::uint64_t at = rela->sh_offset + (rng() % (rela->sh_size / sizeof(Elf64_Rela))) * sizeof(Elf64_Rela);
      Elf64_Rela r;
      if (!read_at(data, size, at, r)) return;
      switch (rng() % 4) {
        case 0: r.r_offset = interesting(rng, r.r_offset); break;
        case 1: r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), interesting(rng, ELF64_R_TYPE(r.r_info)) & 0xff); break;
        case 2: r.r_info = ELF64_R_INFO(interesting(rng, ELF64_R_SYM(r.r_info)) & 0xffff, ELF64_R_TYPE(r.r_info)); break;
        default: r.r_addend = static_cast<Elf64_Sxword>(interesting(rng, r.r_addend)); break;
      }
      std::memcpy(data + at, &r, sizeof r);
      return;
    }
  }
}

}  // namespace
}  // namespace hotswap

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  std::mt19937_64 rng(seed);
  if (rng() % 2) return LLVMFuzzerMutate(data, size, max_size);
  for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) hotswap::mutate_structure(data, size, rng);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<unsigned char> bytes(data, data + size);
  hotswap::reseal_patch(bytes);  // past the content check, to the linker
  int fd = memfd_create("patch", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  auto file = hotswap::read_patch("/proc/self/fd/" + std::to_string(fd));
  if (file) hotswap::stage(std::move(*file));
  close(fd);
  return 0;
}
