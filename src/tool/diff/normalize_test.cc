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

// Builds f: 20 bytes of code that loads a string (PC32 against its label .LC0, as GCC and
// Clang emit), stores to g with an immediate (PC32, addend -5) and indexes a jump table.
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
  o.add_symbol("", STT_SECTION, str, 0, 0, STB_LOCAL);
  std::uint32_t data_section = o.add_symbol("", STT_SECTION, data, 0, 0, STB_LOCAL);
  std::uint32_t table_section = o.add_symbol("", STT_SECTION, rodata, 0, 0, STB_LOCAL);
  o.add_symbol("f", STT_FUNC, text, 0, 20);
  o.add_symbol("g", STT_OBJECT, data, 0, 4);
  std::uint32_t label = o.add_symbol(".LC0", STT_NOTYPE, str,
                                     static_cast<std::uint64_t>(string_offset), 0, STB_LOCAL);
  o.relocations[text] = {{3, R_X86_64_PC32, label, -4},
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

TEST(Normalize, AnImmediateThatChangedIsNamedWithItsValues) {
  FakeObject a = make_object(std::string("x\0", 2), 0, 0);
  FakeObject b = make_object(std::string("x\0", 2), 0, 0);
  b.bytes[1][13] = 2;  // the immediate
  Normalizer na(a.tables()), nb(b.tables());
  std::string why = explain_difference(na.normalize(a.symbols[4]), nb.normalize(b.symbols[4]));
  EXPECT_TRUE(why.rfind("only a constant changed: ", 0) == 0 || why == "code differs") << why;
}

NormalForm code(std::vector<unsigned char> bytes) {
  NormalForm f;
  f.size = bytes.size();
  f.code_hash = std::string(bytes.begin(), bytes.end());
  f.masked = std::move(bytes);
  return f;
}

TEST(Normalize, AShiftedLineNumberReadsAsOneAndOpcodesAsCode) {
  // mov $1134, %edx (ba 6e 04 00 00) -> mov $1137, %edx: an assertion's __LINE__.
  EXPECT_EQ(explain_difference(code({0xba, 0x6e, 0x04, 0x00, 0x00, 0xc3}), code({0xba, 0x71, 0x04, 0x00, 0x00, 0xc3})),
            "only a constant changed: 1134 -> 1137 (a line number, as an assertion passes?)");
  EXPECT_EQ(explain_difference(code({0xba, 0x6e, 0x04, 0x00, 0x00, 0xbf, 0x10, 0x00, 0x00, 0x00, 0xc3}),
                               code({0xba, 0x71, 0x04, 0x00, 0x00, 0xbf, 0x11, 0x00, 0x00, 0x00, 0xc3})),
            "only constants changed: 1134 -> 1137, 16 -> 17 (a line number, as an assertion passes?)");
  // A value that jumped (a buffer size, or an opcode read as one) is not claimed.
  EXPECT_EQ(explain_difference(code({0xba, 0x10, 0x00, 0x00, 0x00, 0xc3}), code({0xba, 0x00, 0x10, 0x00, 0x00, 0xc3})),
            "code differs");
  // Differences all over: code.
  EXPECT_EQ(explain_difference(code({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
                               code({0, 2, 0, 4, 5, 6, 0, 8, 9, 10, 0, 12, 13, 0, 15, 0})),
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

// One reference from f (at +3) into a merged section: through the section symbol, or
// through a label .LC0 at `label_at`.
struct MergedReference {
  std::string content;
  std::uint64_t label_at = 0;
  bool section_symbol = false;
  std::int64_t addend = -4;
  std::uint32_t type = R_X86_64_PC32;
  std::uint64_t flags = SHF_ALLOC | SHF_MERGE | SHF_STRINGS;
  std::uint64_t entsize = 1;
};

std::string target(const MergedReference& r) {
  FakeObject o;
  o.add_section("", 0, {});
  std::size_t text =
      o.add_section(".text.f", SHF_ALLOC | SHF_EXECINSTR, std::vector<unsigned char>(8));
  std::size_t merged = o.add_section(".rodata.f.str1.1", r.flags, chars(r.content), r.entsize);
  o.add_symbol("", STT_NOTYPE, 0, 0, 0, STB_LOCAL);
  std::uint32_t section = o.add_symbol("", STT_SECTION, merged, 0, 0, STB_LOCAL);
  std::uint32_t label = o.add_symbol(".LC0", STT_NOTYPE, merged, r.label_at, 0, STB_LOCAL);
  Normalizer n(o.tables());
  ElfRelocation relocation{3, r.type, r.section_symbol ? section : label, r.addend};
  return n.normalize_relocation(text, 0, relocation).target;
}

std::string str(const char* s, std::size_t n) { return std::string(s, n); }

TEST(NormalizeMerged, LabelPastTheStartIsTheWholeString) {
  // GCC: `lea .LC0+8(%rip)` (the string's +12), then reads down to -12 from there.
  std::string v1 =
                  str("x\0"
                      "1.2.3-release",
                      16),
              v2 =
                  str("x\0"
                      "1.2.4-release",
                      16);
  EXPECT_EQ(target({.content = v1, .label_at = 2, .addend = 8}), "S:\"1.2.3-release\"+12");
  EXPECT_NE(target({.content = v1, .label_at = 2, .addend = 8}),
            target({.content = v2, .label_at = 2, .addend = 8}));
}

TEST(NormalizeMerged, LabelBeforeTheStartIsItsString) {
  // s[i - 1] from i = 1: `.LC0-5` names the byte before the string, in no piece or in the
  // string before it.
  EXPECT_EQ(target({.content = str("abcdefgh", 9), .addend = -5}), "S:\"abcdefgh\"-1");
  EXPECT_EQ(target({.content = str("zz\0abcdefgh", 12), .label_at = 3, .addend = -5}),
            "S:\"abcdefgh\"-1");
  EXPECT_NE(target({.content = str("zz\0abcdefgh", 12), .label_at = 3, .addend = -5}),
            target({.content = str("zz\0Abcdefgh", 12), .label_at = 3, .addend = -5}));
}

TEST(NormalizeMerged, LabelPastTheEndIsItsString) {
  // An end pointer (the string's +9, past its terminator) lies in the next string.
  EXPECT_EQ(target({.content = str("abcdefgh\0next", 14), .addend = 5}), "S:\"abcdefgh\"+9");
}

TEST(NormalizeMerged, SectionSymbolAtATerminatorIsTheStringItEnds) {
  // An absolute pointer to the terminator of "abc" (an empty tail) reaches "abc".
  EXPECT_EQ(target({.content = str("abc\0def", 8),
                    .section_symbol = true,
                    .addend = 3,
                    .type = R_X86_64_64}),
            "S:\"abc\"+3");
}

TEST(NormalizeMerged, SectionSymbolInsideAStringIsTheWholeString) {
  // A tail is all the relocation names; the code may read before it.
  EXPECT_EQ(target({.content = str("x\0hotswap/1.2.3", 16),
                    .section_symbol = true,
                    .addend = 10,
                    .type = R_X86_64_64}),
            "S:\"hotswap/1.2.3\"+8");
}

TEST(NormalizeMerged, PcRelativeSectionSymbolCoversTheBiasedPlaces) {
  // Clang's relative lookup table names its first string as section + start, no bias.
  EXPECT_EQ(
      target(
          {.content = str("ab\0sunday, the first day", 25), .section_symbol = true, .addend = 3}),
      "S:\"sunday, the first day\"+4");
  // With a field's bias the target would lie 4 to 8 bytes further: those pieces count too.
  EXPECT_EQ(target({.content = str("ab\0cd\0efgh\0ij", 14), .section_symbol = true, .addend = 0}),
            "S:\"ab\\x00cd\\x00efgh\"+4");
}

TEST(NormalizeMerged, OutsideTheSectionIsTheWholeSection) {
  std::string before =
      target({.content = str("abc\0def", 8), .section_symbol = true, .addend = -4});
  EXPECT_EQ(before.substr(0, 3), "M:{");
  EXPECT_NE(before, target({.content = str("abc\0deF", 8), .section_symbol = true, .addend = -4}));
  EXPECT_EQ(target({.content = str("abc", 4), .label_at = 4, .addend = -4}).substr(0, 3), "M:{");
}

TEST(NormalizeMerged, WideStringsEndAtAZeroEntry) {
  // .rodata.str4.4: each character has zero bytes; only a zero entry ends a string.
  std::string utf32 = str("a\0\0\0b\0\0\0\0\0\0\0c\0\0\0\0\0\0\0", 24);
  EXPECT_EQ(target({.content = utf32, .label_at = 12, .addend = -4, .entsize = 4}),
            "S:\"c\\x00\\x00\\x00\"");
  EXPECT_EQ(target({.content = utf32, .addend = 4, .entsize = 4}),
            "S:\"a\\x00\\x00\\x00b\\x00\\x00\\x00\"+8");
}

TEST(NormalizeMerged, ConstantPoolReferenceIsTheLabelsEntry) {
  // `cmpq $1, .LC1(%rip)`: addend -8, 4 bytes before .LC1 once the field's 4 are added back.
  std::string pool(32, '\0');
  pool[0] = 1;
  pool[16] = 2;
  MergedReference r{
      .content = pool, .label_at = 16, .addend = -8, .flags = SHF_ALLOC | SHF_MERGE, .entsize = 16};
  EXPECT_EQ(target(r), "C:02000000000000000000000000000000-4");
  MergedReference other_entry = r, same_entry = r;
  other_entry.content[0] = 7;
  same_entry.content[31] = 7;
  EXPECT_EQ(target(r), target(other_entry));
  EXPECT_NE(target(r), target(same_entry));
}

struct ReadOnlyObject {
  std::string name;
  std::uint64_t value = 0, size = 0;
};

// f refers to a read-only section holding `objects`: through its section symbol, or through
// the first object's symbol.
std::string read_only_target(std::vector<unsigned char> content,
                             const std::vector<ReadOnlyObject>& objects, std::int64_t addend,
                             bool through_first_object = false) {
  FakeObject o;
  o.add_section("", 0, {});
  std::size_t text =
      o.add_section(".text.f", SHF_ALLOC | SHF_EXECINSTR, std::vector<unsigned char>(8));
  std::size_t rodata = o.add_section(".rodata._ZL5table", SHF_ALLOC, std::move(content));
  o.add_symbol("", STT_NOTYPE, 0, 0, 0, STB_LOCAL);
  std::uint32_t symbol = o.add_symbol("", STT_SECTION, rodata, 0, 0, STB_LOCAL);
  for (const auto& object : objects) {
    std::uint32_t index =
        o.add_symbol(object.name, STT_OBJECT, rodata, object.value, object.size, STB_LOCAL);
    if (through_first_object && &object == &objects.front()) symbol = index;
  }
  Normalizer n(o.tables());
  return n.normalize_relocation(text, 0, {3, R_X86_64_PC32, symbol, addend}).target;
}

TEST(NormalizeReadOnly, PastTheEndOfTheOnlyObjectIsThatObject) {
  // `lea table+8(%rip)` to walk a table down: section + 4, one past the table's end.
  std::vector<unsigned char> table = {1, 2, 3, 4, 5, 6, 7, 8};
  std::string t = read_only_target(table, {{"_ZL5table", 0, 8}}, 4);
  EXPECT_EQ(t.substr(0, 12), "R:_ZL5table{");
  EXPECT_EQ(t.substr(t.size() - 2), "+4");
  table[0] = 9;
  EXPECT_NE(t, read_only_target(table, {{"_ZL5table", 0, 8}}, 4));
  // Before its start (1-based indexing), it is still the table.
  EXPECT_EQ(read_only_target(table, {{"_ZL5table", 0, 8}}, -5).substr(0, 12), "R:_ZL5table{");
}

TEST(NormalizeReadOnly, SectionOfSeveralObjectsCountsWhole) {
  // One past the end of `first` is the start of `second`: either may be meant.
  std::vector<unsigned char> bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<ReadOnlyObject> objects = {{"first", 0, 4}, {"second", 4, 4}};
  std::string t = read_only_target(bytes, objects, 0);
  EXPECT_EQ(t.substr(0, 3), "A:{");
  bytes[0] = 9;
  EXPECT_NE(t, read_only_target(bytes, objects, 0));
}

TEST(NormalizeReadOnly, NamedSymbolWithoutSizeCoversItsSection) {
  // A blob defined in assembly: `blob` has no size, everything after it may be its.
  std::string before = read_only_target({1, 2, 3, 4}, {{"blob", 0, 0}}, -4, true);
  EXPECT_EQ(before.substr(0, 7), "R:blob{");
  EXPECT_NE(before, read_only_target({1, 2, 3, 9}, {{"blob", 0, 0}}, -4, true));
}

}  // namespace
}  // namespace hotswap::diff
