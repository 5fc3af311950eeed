// Crafted patches: a real patch with one field of its ELF tables changed and its id
// recomputed, so that it passes the content check and reaches the linker. Each must be
// refused with a message naming what is wrong, and the process must carry on unchanged.
// (In-tree only: it edits patches with the project's own ELF reader.)
#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "common/patch_id.h"
#include "process.h"

namespace {

using Bytes = std::vector<unsigned char>;

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <class T>
T* at(Bytes& b, std::uint64_t offset) {
  if (offset + sizeof(T) > b.size()) return nullptr;
  return reinterpret_cast<T*>(b.data() + offset);  // test code: the patch is our own, aligned
}

Elf64_Ehdr& header(Bytes& b) { return *at<Elf64_Ehdr>(b, 0); }
Elf64_Shdr* section(Bytes& b, std::size_t i) { return at<Elf64_Shdr>(b, header(b).e_shoff + i * sizeof(Elf64_Shdr)); }

std::string section_name(Bytes& b, std::size_t i) {
  Elf64_Shdr* names = section(b, header(b).e_shstrndx);
  return reinterpret_cast<const char*>(b.data() + names->sh_offset + section(b, i)->sh_name);
}

Elf64_Shdr* section_named(Bytes& b, const std::string& name) {
  for (std::size_t i = 0; i < header(b).e_shnum; ++i)
    if (section_name(b, i) == name) return section(b, i);
  return nullptr;
}

Elf64_Sym* symbol_named(Bytes& b, const std::string& name) {
  for (std::size_t i = 0; i < header(b).e_shnum; ++i) {
    Elf64_Shdr* s = section(b, i);
    if (s->sh_type != SHT_SYMTAB) continue;
    Elf64_Shdr* strings = section(b, s->sh_link);
    for (std::uint64_t off = s->sh_offset; off + sizeof(Elf64_Sym) <= s->sh_offset + s->sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym* sym = at<Elf64_Sym>(b, off);
      if (name == reinterpret_cast<const char*>(b.data() + strings->sh_offset + sym->st_name)) return sym;
    }
  }
  return nullptr;
}

class CraftedPatch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hotswap-crafted-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    original_ = read_bytes(std::string(E2E_OUT) + "/basic/v1-v2.hsp");
    ASSERT_GT(original_.size(), sizeof(Elf64_Ehdr));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Applies the patch changed by `edit` and resealed; expects a refusal naming `why`.
  void expect_refused(const std::function<void(Bytes&)>& edit, const std::string& why, bool reseal = true) {
    Bytes b = original_;
    edit(b);
    if (reseal) {
      ASSERT_TRUE(hotswap::reseal_patch(b));
    }
    std::string path = (dir_ / "crafted.hsp").string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    Process p(std::string(E2E_OUT) + "/basic/v1");
    std::string version = p.ask("version");
    EXPECT_EQ(p.ask("count"), "1");
    std::string answer = p.ask("apply " + path);
    EXPECT_EQ(answer.rfind("refused patch refused", 0), 0u) << answer;
    EXPECT_NE(answer.find(why), std::string::npos) << answer;
    EXPECT_EQ(p.ask("version"), version);
    EXPECT_EQ(p.ask("compute"), "11");
    EXPECT_EQ(p.ask("count"), "2");
  }

  std::filesystem::path dir_;
  Bytes original_;
};

// The id covers every byte but its own digits and the signature: a changed section header,
// ELF header or byte between sections is caught before anything is read from them.
TEST_F(CraftedPatch, AnyByteOutsideTheIdAndTheSignatureChangesTheId) {
  expect_refused([](Bytes& b) { header(b).e_flags ^= 1; }, "corrupt", /*reseal=*/false);
  expect_refused([](Bytes& b) { section_named(b, ".comment")->sh_addralign ^= 8; }, "corrupt", false);
  expect_refused([](Bytes& b) { b[section_named(b, ".hotswap.manifest")->sh_offset + 2] ^= 1; }, "", false);
  expect_refused([](Bytes& b) { b.push_back(0); }, "corrupt", false);
}

TEST_F(CraftedPatch, ASectionOverlappingTheSignatureIsRefused) {
  expect_refused(
      [](Bytes& b) {
        Elf64_Shdr* signature = section_named(b, ".hotswap.signature");
        Elf64_Shdr* comment = section_named(b, ".comment");
        comment->sh_offset = signature->sh_offset;
        comment->sh_size = 8;
      },
      "overlaps the manifest's id or the signature", false);
}

TEST_F(CraftedPatch, ReservedSectionIndexOfADefinedSymbol) {
  // SHN_X86_64_LCOMMON: large-model common data, which a patch cannot place.
  expect_refused([](Bytes& b) { symbol_named(b, "_Z7computei")->st_shndx = 0xff02; }, "reserved section index 0xff02");
}

TEST_F(CraftedPatch, NobitsSectionOfAlmostTwoToTheSixtyFourBytes) {
  expect_refused([](Bytes& b) { section_named(b, ".bss")->sh_size = ~0ull - 7; }, "a patch may use at most");
}

TEST_F(CraftedPatch, AlignmentThatIsNotAPowerOfTwoOrTooLarge) {
  expect_refused([](Bytes& b) { section_named(b, ".text._Z7computei")->sh_addralign = 3; }, "asks for alignment 3");
  expect_refused([](Bytes& b) { section_named(b, ".text._Z7computei")->sh_addralign = 1ull << 40; }, "asks for alignment");
}

TEST_F(CraftedPatch, SymbolOutsideItsSection) {
  expect_refused([](Bytes& b) { symbol_named(b, "_Z7computei")->st_value = 1 << 20; }, "lies outside its section");
}

TEST_F(CraftedPatch, RelocationOutsideItsSection) {
  expect_refused(
      [](Bytes& b) {
        Elf64_Shdr* rela = section_named(b, ".rela.eh_frame");
        at<Elf64_Rela>(b, rela->sh_offset)->r_offset = 1 << 20;
      },
      "outside");
}

TEST_F(CraftedPatch, EmptyUnwindEntryOutsideThePatchsCode) {
  // An FDE with no range still orders the unwinder's tables by where it begins.
  expect_refused(
      [](Bytes& b) {
        Elf64_Shdr* rela = section_named(b, ".rela.eh_frame");
        Elf64_Shdr* eh = section_named(b, ".eh_frame");
        Elf64_Shdr* symtab = section(b, rela->sh_link);
        for (std::uint64_t off = rela->sh_offset; off < rela->sh_offset + rela->sh_size; off += sizeof(Elf64_Rela)) {
          Elf64_Rela* r = at<Elf64_Rela>(b, off);
          Elf64_Sym* sym = at<Elf64_Sym>(b, symtab->sh_offset + ELF64_R_SYM(r->r_info) * sizeof(Elf64_Sym));
          if (sym->st_shndx == 0 || sym->st_shndx >= header(b).e_shnum) continue;
          if (section_name(b, sym->st_shndx) != ".text._Z7computei") continue;  // loaded: changed
          r->r_addend += 1 << 20;                                 // begins far past the code
          *at<std::uint32_t>(b, eh->sh_offset + r->r_offset + 4) = 0;  // and covers nothing
          return;
        }
      },
      "FDE covers code the patch does not load");
}

}  // namespace
