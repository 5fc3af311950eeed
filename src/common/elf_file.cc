#include "common/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/hash.h"

namespace hotswap {
namespace {

// libelf must be told the API version once per process before any elf_begin.
bool init_libelf() {
  static const bool ok = elf_version(EV_CURRENT) != EV_NONE;
  return ok;
}

struct ElfHandle {
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf) elf_end(elf);
  }
};

}  // namespace

std::string strip_symbol_version(const std::string& name) {
  auto at = name.find('@');
  return at == std::string::npos ? name : name.substr(0, at);
}

Expected<ElfFile> ElfFile::open(const std::string& path) {
  // O_NONBLOCK: a FIFO named as a patch is refused below, never waited on.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path + ": not a regular file");
  }
  std::vector<unsigned char> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      return make_error(path + ": read failed");
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return from_bytes(std::move(bytes), path);
}

Expected<ElfFile> ElfFile::open_mapped(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    ::close(fd);
    return make_error(path + ": not a regular file");
  }
  auto size = static_cast<std::size_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return make_error(path + ": cannot map: " + std::strerror(errno));
  ElfFile file;
  file.label_ = path;
  file.storage_ = std::shared_ptr<const void>(p, [size](const void* q) { munmap(const_cast<void*>(q), size); });
  file.bytes_ = std::span(static_cast<const unsigned char*>(p), size);
  Status parsed = file.parse();
  if (!parsed) return parsed.error();
  return file;
}

Expected<ElfFile> ElfFile::from_bytes(std::vector<unsigned char> bytes, std::string label) {
  ElfFile file;
  file.label_ = std::move(label);
  auto storage = std::make_shared<const std::vector<unsigned char>>(std::move(bytes));
  file.bytes_ = std::span(*storage);
  file.storage_ = std::move(storage);
  Status parsed = file.parse();
  if (!parsed) return parsed.error();
  return file;
}

Status ElfFile::parse() {
  const auto& buf = bytes_;
  if (!init_libelf()) return make_error(label_ + ": libelf unusable");
  if (buf.size() < sizeof(Elf64_Ehdr) || std::memcmp(buf.data(), ELFMAG, SELFMAG) != 0)
    return make_error(label_ + ": not an ELF file");
  if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB)
    return make_error(label_ + ": not a 64-bit little-endian ELF file");

  ElfHandle h;
  h.elf = elf_memory(reinterpret_cast<char*>(const_cast<unsigned char*>(buf.data())), buf.size());
  if (!h.elf) return make_error(label_ + ": " + elf_errmsg(-1));
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(h.elf, &ehdr)) return make_error(label_ + ": bad ELF header");
  if (ehdr.e_machine != EM_X86_64) return make_error(label_ + ": not an x86-64 file");
  type_ = ehdr.e_type;

  std::size_t shnum = 0, shstrndx = 0;
  if (elf_getshdrnum(h.elf, &shnum) != 0 || elf_getshdrstrndx(h.elf, &shstrndx) != 0)
    return make_error(label_ + ": bad section header table");

  sections_.resize(shnum);
  relocations_.resize(shnum);
  std::size_t symtab_index = 0;
  std::vector<std::size_t> rela_sections;
  for (std::size_t i = 0; i < shnum; ++i) {
    Elf_Scn* scn = elf_getscn(h.elf, i);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh)) return make_error(label_ + ": bad section header " + std::to_string(i));
    ElfSection& s = sections_[i];
    s.index = i;
    const char* name = elf_strptr(h.elf, shstrndx, sh.sh_name);
    s.name = name ? name : "";
    s.type = sh.sh_type;
    s.flags = sh.sh_flags;
    s.addr = sh.sh_addr;
    s.offset = sh.sh_offset;
    s.size = sh.sh_size;
    s.align = sh.sh_addralign ? sh.sh_addralign : 1;
    s.entsize = sh.sh_entsize;
    s.link = sh.sh_link;
    s.info = sh.sh_info;
    if (s.type != SHT_NOBITS && s.type != SHT_NULL) {
      if (s.offset > buf.size() || s.size > buf.size() - s.offset)
        return make_error(label_ + ": section " + s.name + " lies outside the file");
      s.bytes = std::span(buf.data() + s.offset, s.size);
    }
    if (s.type == SHT_SYMTAB) symtab_index = i;
    if (s.type == SHT_RELA) rela_sections.push_back(i);
    if (s.type == SHT_REL) return make_error(label_ + ": SHT_REL section " + s.name + " (x86-64 uses RELA)");
  }

  if (symtab_index) {
    const ElfSection& st = sections_[symtab_index];
    if (st.link >= shnum) return make_error(label_ + ": .symtab has a bad string table link");
    Elf_Data* data = elf_getdata(elf_getscn(h.elf, symtab_index), nullptr);
    Elf_Data* xdata = nullptr;
    for (std::size_t i = 0; i < shnum; ++i)
      if (sections_[i].type == SHT_SYMTAB_SHNDX && sections_[i].link == symtab_index)
        xdata = elf_getdata(elf_getscn(h.elf, i), nullptr);
    std::size_t count = st.entsize ? st.size / st.entsize : 0;
    symbols_.reserve(count);
    std::string current_file;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      Elf32_Word xndx = 0;
      if (!data || !gelf_getsymshndx(data, xdata, static_cast<int>(i), &sym, &xndx))
        return make_error(label_ + ": bad symbol " + std::to_string(i));
      ElfSymbol s;
      s.index = i;
      const char* name = elf_strptr(h.elf, st.link, sym.st_name);
      s.name = strip_symbol_version(name ? name : "");
      s.value = sym.st_value;
      s.size = sym.st_size;
      s.type = GELF_ST_TYPE(sym.st_info);
      s.bind = GELF_ST_BIND(sym.st_info);
      s.visibility = GELF_ST_VISIBILITY(sym.st_other);
      s.shndx = sym.st_shndx == SHN_XINDEX ? xndx : sym.st_shndx;
      if (s.type == STT_FILE) current_file = s.name;
      if (s.bind == STB_LOCAL) s.file = current_file;
      // An extended index always names a real section; a plain one may also be a reserved
      // value (SHN_ABS, SHN_COMMON, ...), which users of the symbol must check.
      bool extended = sym.st_shndx == SHN_XINDEX;
      if (s.shndx != SHN_UNDEF && (extended || s.shndx < SHN_LORESERVE) && s.shndx >= shnum)
        return make_error(label_ + ": symbol " + s.name + " has a bad section index");
      symbols_.push_back(std::move(s));
    }
  }

  for (std::size_t ri : rela_sections) {
    const ElfSection& rs = sections_[ri];
    if (rs.info >= shnum) return make_error(label_ + ": " + rs.name + " applies to no section");
    if (rs.flags & SHF_ALLOC) {
      HOTSWAP_TRY(parse_dynamic_relocations(h.elf, rs));
      continue;
    }
    Elf_Data* data = elf_getdata(elf_getscn(h.elf, ri), nullptr);
    std::size_t count = rs.entsize ? rs.size / rs.entsize : 0;
    auto& out = relocations_[rs.info];
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Rela r;
      if (!data || !gelf_getrela(data, static_cast<int>(i), &r))
        return make_error(label_ + ": bad relocation " + std::to_string(i) + " in " + rs.name);
      ElfRelocation rel{r.r_offset, static_cast<std::uint32_t>(GELF_R_TYPE(r.r_info)),
                        static_cast<std::uint32_t>(GELF_R_SYM(r.r_info)), r.r_addend};
      if (rel.symbol >= symbols_.size())
        return make_error(label_ + ": relocation in " + rs.name + " names a missing symbol");
      out.push_back(rel);
    }
  }

  for (const ElfSection& s : sections_) {
    if (s.type == SHT_GROUP) {
      if (s.bytes.size() < 4 || s.bytes.size() % 4) return make_error(label_ + ": bad group section " + s.name);
      ElfGroup g;
      g.section = s.index;
      g.signature = s.info;
      std::uint32_t flags;
      std::memcpy(&flags, s.bytes.data(), 4);
      g.comdat = flags & GRP_COMDAT;
      for (std::size_t off = 4; off < s.bytes.size(); off += 4) {
        std::uint32_t m;
        std::memcpy(&m, s.bytes.data() + off, 4);
        if (m >= shnum) return make_error(label_ + ": group " + s.name + " names a missing section");
        g.members.push_back(m);
      }
      if (g.signature >= symbols_.size()) return make_error(label_ + ": group " + s.name + " has no signature");
      groups_.push_back(std::move(g));
    }
    if (s.type == SHT_NOTE) {
      // Notes: namesz, descsz, type, name (padded to 4), desc (padded to 4).
      std::size_t off = 0;
      while (off + 12 <= s.bytes.size()) {
        std::uint32_t namesz, descsz, ntype;
        std::memcpy(&namesz, s.bytes.data() + off, 4);
        std::memcpy(&descsz, s.bytes.data() + off + 4, 4);
        std::memcpy(&ntype, s.bytes.data() + off + 8, 4);
        std::size_t name_off = off + 12, desc_off = name_off + ((namesz + 3) & ~3u);
        std::size_t end = desc_off + ((descsz + 3) & ~3u);
        if (end > s.bytes.size() || desc_off > s.bytes.size()) break;
        if (ntype == NT_GNU_BUILD_ID && namesz == 4 && std::memcmp(s.bytes.data() + name_off, "GNU", 4) == 0)
          build_id_ = hex_bytes(s.bytes.subspan(desc_off, descsz));
        off = end;
      }
    }
  }
  return Status::success();
}

Status ElfFile::parse_dynamic_relocations(Elf* elf, const ElfSection& rs) {
  // Names come from the dynamic symbol table the section links to (none for .rela.plt of
  // a static link, where every entry is IRELATIVE).
  Elf_Data* symbols = nullptr;
  std::size_t names = 0, symbol_count = 0;
  if (rs.link != 0) {
    if (rs.link >= sections_.size() || sections_[rs.link].type != SHT_DYNSYM)
      return make_error(label_ + ": " + rs.name + " links to no dynamic symbol table");
    symbols = elf_getdata(elf_getscn(elf, rs.link), nullptr);
    names = sections_[rs.link].link;
    const ElfSection& dynsym = sections_[rs.link];
    symbol_count = dynsym.entsize ? dynsym.size / dynsym.entsize : 0;
  }
  Elf_Data* data = elf_getdata(elf_getscn(elf, rs.index), nullptr);
  std::size_t count = rs.entsize ? rs.size / rs.entsize : 0;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Rela r;
    if (!data || !gelf_getrela(data, static_cast<int>(i), &r))
      return make_error(label_ + ": bad relocation " + std::to_string(i) + " in " + rs.name);
    ElfDynamicRelocation rel{r.r_offset, static_cast<std::uint32_t>(GELF_R_TYPE(r.r_info)), "", r.r_addend};
    std::size_t symbol = GELF_R_SYM(r.r_info);
    if (symbol != 0) {
      GElf_Sym sym;
      if (!symbols || symbol >= symbol_count || !gelf_getsym(symbols, static_cast<int>(symbol), &sym))
        return make_error(label_ + ": relocation in " + rs.name + " names a missing dynamic symbol");
      const char* name = elf_strptr(elf, names, sym.st_name);
      rel.symbol = strip_symbol_version(name ? name : "");
    }
    dynamic_relocations_.push_back(std::move(rel));
  }
  return Status::success();
}

const ElfSection* ElfFile::find_section(const std::string& name) const {
  for (const ElfSection& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

const std::vector<ElfRelocation>& ElfFile::relocations_for(std::size_t index) const {
  static const std::vector<ElfRelocation> none;
  return index < relocations_.size() ? relocations_[index] : none;
}

std::span<const unsigned char> ElfFile::symbol_bytes(const ElfSymbol& symbol) const {
  if (symbol.shndx == SHN_UNDEF || symbol.shndx >= sections_.size()) return {};
  const ElfSection& s = sections_[symbol.shndx];
  if (s.bytes.empty()) return {};
  // Linked files hold addresses in st_value; relocatable ones hold section offsets.
  std::uint64_t start = type_ == ET_REL ? symbol.value : symbol.value - s.addr;
  if (start > s.size || symbol.size > s.size - start) return {};
  return s.bytes.subspan(start, symbol.size);
}

}  // namespace hotswap
