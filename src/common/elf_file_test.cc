// The reader sees untrusted bytes (patches from disk): every truncation and corruption must
// give an error or a consistent file, never a crash or a read out of bounds.
#include "common/elf_file.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "common/symbol_index.h"

namespace hotswap {
namespace {

std::vector<unsigned char> own_executable() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Touches everything a caller may use.
void walk(const ElfFile& f) {
  std::size_t sum = 0;
  for (const ElfSection& s : f.sections())
    for (unsigned char b : s.bytes) sum += b;
  for (const ElfSymbol& s : f.symbols()) sum += f.symbol_bytes(s).size();
  for (const ElfSection& s : f.sections()) sum += f.relocations_for(s.index).size();
  SymbolIndex index(f);
  (void)index.find({"main", ""});
  EXPECT_GE(sum, 0u);
}

TEST(ElfFile, ReadsItsOwnExecutable) {
  auto f = ElfFile::from_bytes(own_executable(), "self");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_FALSE(f->build_id().empty());
  EXPECT_NE(f->find_section(".text"), nullptr);
  SymbolIndex index(*f);
  const ElfSymbol* main_symbol = index.find({"main", ""});
  ASSERT_NE(main_symbol, nullptr);
  EXPECT_EQ(main_symbol->type, STT_FUNC);
  EXPECT_FALSE(f->symbol_bytes(*main_symbol).empty());
}

TEST(ElfFile, RefusesNonElf) {
  for (const std::string& text : std::vector<std::string>{"", "hello", "\x7f" "ELF", std::string(64, '\0')}) {
    auto f = ElfFile::from_bytes(std::vector<unsigned char>(text.begin(), text.end()), "t");
    EXPECT_FALSE(f);
  }
}

TEST(ElfFile, TruncationsNeverCrash) {
  std::vector<unsigned char> bytes = own_executable();
  for (std::size_t cut = 0; cut < bytes.size(); cut += bytes.size() / 97 + 1) {
    auto f = ElfFile::from_bytes(std::vector<unsigned char>(bytes.begin(), bytes.begin() + cut), "cut");
    if (f) walk(*f);
  }
}

TEST(ElfFile, CorruptedHeadersNeverCrash) {
  std::vector<unsigned char> bytes = own_executable();
  std::mt19937 rng(42);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(bytes.data());
  std::size_t shoff = eh->e_shoff, shsize = std::size_t{eh->e_shnum} * eh->e_shentsize;
  for (int i = 0; i < 300; ++i) {
    std::vector<unsigned char> copy = bytes;
    for (int k = 0; k < 8; ++k) {
      // Aim at the ELF header and section headers, where corruption matters most.
      std::size_t at = (i % 2) ? rng() % sizeof(Elf64_Ehdr) : shoff + rng() % shsize;
      if (at < copy.size()) copy[at] = static_cast<unsigned char>(rng());
    }
    auto f = ElfFile::from_bytes(std::move(copy), "corrupt");
    if (f) walk(*f);
  }
}

// A relocatable with one symbol whose section index is extended (SHN_XINDEX): the real
// index comes from .symtab_shndx and must name a section, whatever its value.
std::vector<unsigned char> object_with_extended_index(std::uint32_t extended) {
  const char shstrtab[] = "\0.symtab\0.strtab\0.symtab_shndx\0.shstrtab";
  const char strtab[] = "\0x";
  Elf64_Sym symbols[2] = {};
  symbols[1].st_name = 1;
  symbols[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
  symbols[1].st_shndx = SHN_XINDEX;
  std::uint32_t shndx[2] = {0, extended};
  std::vector<unsigned char> out(sizeof(Elf64_Ehdr));
  auto append = [&out](const void* p, std::size_t n) {
    std::size_t at = out.size();
    out.insert(out.end(), static_cast<const unsigned char*>(p), static_cast<const unsigned char*>(p) + n);
    return at;
  };
  std::size_t sym_at = append(symbols, sizeof symbols), str_at = append(strtab, sizeof strtab);
  std::size_t shndx_at = append(shndx, sizeof shndx), names_at = append(shstrtab, sizeof shstrtab);
  while (out.size() % 8) out.push_back(0);
  Elf64_Shdr sections[5] = {};
  sections[1] = {1, SHT_SYMTAB, 0, 0, sym_at, sizeof symbols, 2, 1, 8, sizeof(Elf64_Sym)};
  sections[2] = {9, SHT_STRTAB, 0, 0, str_at, sizeof strtab, 0, 0, 1, 0};
  sections[3] = {17, SHT_SYMTAB_SHNDX, 0, 0, shndx_at, sizeof shndx, 1, 0, 4, 4};
  sections[4] = {31, SHT_STRTAB, 0, 0, names_at, sizeof shstrtab, 0, 0, 1, 0};
  std::size_t sections_at = append(sections, sizeof sections);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_REL;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_shoff = sections_at;
  eh.e_ehsize = sizeof eh;
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = 5;
  eh.e_shstrndx = 4;
  std::memcpy(out.data(), &eh, sizeof eh);
  return out;
}

TEST(ElfFile, ExtendedSectionIndexMustNameASection) {
  auto good = ElfFile::from_bytes(object_with_extended_index(2), "good");
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->symbols()[1].shndx, 2u);
  for (std::uint32_t bad : {5u, 0xfff1u, 0xff02u, 0xffffffffu}) {
    auto f = ElfFile::from_bytes(object_with_extended_index(bad), "bad");
    ASSERT_FALSE(f) << bad;
    EXPECT_NE(f.error().message.find("bad section index"), std::string::npos) << f.error().message;
  }
}

}  // namespace

TEST(SymbolIndex, StaticInitializersOfEveryCompilerAndSanitizerAreKnown) {
  // They run once, at start-up: never redirected, never checked against the running code.
  EXPECT_TRUE(is_static_initializer("_GLOBAL__sub_I_main.cpp"));
  EXPECT_TRUE(is_static_initializer("_GLOBAL__sub_I__ZN3app7g_storeE"));
  EXPECT_TRUE(is_static_initializer("_sub_I_00099_1"));  // GCC's ASan module constructor
  EXPECT_TRUE(is_static_initializer("asan.module_ctor"));  // Clang's
  EXPECT_FALSE(is_static_initializer("_sub_D_00099_0"));
  EXPECT_FALSE(is_static_initializer("main"));
  EXPECT_FALSE(is_static_initializer("_ZN3app4initEv"));
}

}  // namespace hotswap
