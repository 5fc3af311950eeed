// The reader sees untrusted bytes (patches from disk): every truncation and corruption must
// give an error or a consistent file, never a crash or a read out of bounds.
#include "common/elf_file.h"

#include <elf.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hotswap
