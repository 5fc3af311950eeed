#include "tool/diff/normalize.h"

#include <elf.h>
#include <gtest/gtest.h>

namespace hotswap::diff {
namespace {

// A hand-made relocatable object: function f in .text.f, a string section, a datum g, and
// a jump table in .rodata.f.
struct FakeObject {
  std::vector<std::vector<unsigned char>> bytes;
  std::vector<ElfSection> sections;
  std::vector<ElfSymbol> symbols;
  std::vector<std::vector<ElfRelocation>> relocations;

  std::size_t add_section(const std::string& name, std::uint64_t flags,
                          std::vector<unsigned char> content, std::uint64_t entsize = 0) {
    bytes.push_back(std::move(content));
    ElfSection s;
    s.index = sections.size();
    s.name = name;
    s.type = SHT_PROGBITS;
    s.flags = flags;
    s.entsize = entsize;
    sections.push_back(s);
    relocations.emplace_back();
    return s.index;
  }
  std::uint32_t add_symbol(const std::string& name, unsigned char type, std::size_t section,
                           std::uint64_t value, std::uint64_t size,
                           unsigned char bind = STB_GLOBAL) {
    ElfSymbol s;
    s.index = symbols.size();
    s.name = name;
    s.type = type;
    s.bind = bind;
    s.shndx = static_cast<std::uint32_t>(section);
    s.value = value;
    s.size = size;
    symbols.push_back(s);
    return static_cast<std::uint32_t>(s.index);
  }
  ObjectTables tables() {
    for (std::size_t i = 0; i < sections.size(); ++i) {
      sections[i].bytes = std::span<const unsigned char>(bytes[i]);
      sections[i].size = bytes[i].size();
    }
    return ObjectTables{
        &sections, &symbols,
        [this](std::size_t s) -> const std::vector<ElfRelocation>& { return relocations[s]; }};
  }
};

std::vector<unsigned char> chars(const std::string& s) { return {s.begin(), s.end()}; }

// Builds f: 20 bytes of code that loads a string (PC32 against the string section), stores
// to g with an immediate (PC32, addend -5) and indexes a jump table.
FakeObject make_object(const std::string& strings, std::int64_t string_offset,
                       unsigned char garbage,
                       std::vector<unsigned char> table = {1, 0, 0, 0, 2, 0, 0, 0}) {
  FakeObject o;
  o.add_section("", 0, {});
  std::size_t text =
      o.add_section(".text.f", SHF_ALLOC | SHF_EXECINSTR,
                    {0x48, 0x8d, 0x3d, garbage, garbage, garbage, garbage, 0x83, 0x05, 0,
                     0,    0,    0,    1,       0xc3,    0x90,    0,       0,    0,    0});
  std::size_t str =
      o.add_section(".rodata.str1.1", SHF_ALLOC | SHF_MERGE | SHF_STRINGS, chars(strings), 1);
  std::size_t data = o.add_section(".data.g", SHF_ALLOC | SHF_WRITE, {0, 0, 0, 0});
  std::size_t rodata = o.add_section(".rodata.f", SHF_ALLOC, table);
  o.add_symbol("", STT_NOTYPE, 0, 0, 0, STB_LOCAL);
  std::uint32_t str_section = o.add_symbol("", STT_SECTION, str, 0, 0, STB_LOCAL);
  std::uint32_t data_section = o.add_symbol("", STT_SECTION, data, 0, 0, STB_LOCAL);
  std::uint32_t table_section = o.add_symbol("", STT_SECTION, rodata, 0, 0, STB_LOCAL);
  o.add_symbol("f", STT_FUNC, text, 0, 20);
  o.add_symbol("g", STT_OBJECT, data, 0, 4);
  o.relocations[text] = {{3, R_X86_64_PC32, str_section, string_offset - 4},
                         {9, R_X86_64_PC32, data_section, -5},
                         {16, R_X86_64_32S, table_section, 0}};
  return o;
}

TEST(Normalize, LayoutShiftOfAStringIsNotAChange) {
  FakeObject a = make_object(std::string("abc\0hello\0", 10), 4, 0);
  FakeObject b =
      make_object(std::string("hello\0abcdef\0", 13), 0, 0x7f);  // moved; field bytes differ
  Normalizer na(a.tables()), nb(b.tables());
  NormalForm fa = na.normalize(a.symbols[4]), fb = nb.normalize(b.symbols[4]);
  EXPECT_EQ(fa.references[0].target, "S:\"hello\"");
  EXPECT_TRUE(fa == fb) << explain_difference(fa, fb);
}

TEST(Normalize, ChangedStringIsExplained) {
  FakeObject a = make_object(std::string("hello\0", 6), 0, 0);
  FakeObject b = make_object(std::string("howdy\0", 6), 0, 0);
  Normalizer na(a.tables()), nb(b.tables());
  EXPECT_EQ(explain_difference(na.normalize(a.symbols[4]), nb.normalize(b.symbols[4])),
            "string literal changed from \"hello\" to \"howdy\"");
}

TEST(Normalize, PcRelativeWithImmediateFindsTheDatum) {
  FakeObject a = make_object(std::string("x\0", 2), 0, 0);
  Normalizer n(a.tables());
  NormalForm f = n.normalize(a.symbols[4]);
  ASSERT_EQ(f.references.size(), 3u);
  EXPECT_EQ(f.references[1].target, "D:g-5");
  EXPECT_EQ(f.references[1].symbol, "g");
}

TEST(Normalize, AnonymousReadOnlyDataCountsByContent) {
  FakeObject a = make_object(std::string("x\0", 2), 0, 0);
  FakeObject b = make_object(std::string("x\0", 2), 0, 0, {2, 0, 0, 0, 1, 0, 0, 0});
  Normalizer na(a.tables()), nb(b.tables());
  NormalForm fa = na.normalize(a.symbols[4]), fb = nb.normalize(b.symbols[4]);
  EXPECT_FALSE(fa == fb);
  EXPECT_EQ(explain_difference(fa, fb), "constant data (e.g. a jump table) changed");
}

TEST(Normalize, CodeDifferenceOutsideRelocatedFields) {
  FakeObject a = make_object(std::string("x\0", 2), 0, 0);
  FakeObject b = make_object(std::string("x\0", 2), 0, 0);
  b.bytes[1][13] = 2;  // the immediate
  Normalizer na(a.tables()), nb(b.tables());
  EXPECT_EQ(explain_difference(na.normalize(a.symbols[4]), nb.normalize(b.symbols[4])),
            "code differs");
}

TEST(Normalize, OutOfRangeSymbolIsEmptyNotACrash) {
  FakeObject a = make_object(std::string("x\0", 2), 0, 0);
  ObjectTables t = a.tables();
  ElfSymbol bad = a.symbols[4];
  bad.size = 1000;  // past the section's end
  Normalizer n(t);
  NormalForm f = n.normalize(bad);
  EXPECT_EQ(f.size, 1000u);
  ElfRelocation wild{0, R_X86_64_PC32, 9999, 0};
  EXPECT_EQ(n.normalize_relocation(1, 0, wild).target, "?:bad symbol");
}

}  // namespace
}  // namespace hotswap::diff
