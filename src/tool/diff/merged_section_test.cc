#include "tool/diff/merged_section.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <string>

namespace hotswap::diff {
namespace {

struct Section {
  std::string bytes;
  ElfSection section;
  Section(std::string content, std::uint64_t flags, std::uint64_t entsize)
      : bytes(std::move(content)) {
    section.flags = SHF_ALLOC | SHF_MERGE | flags;
    section.entsize = entsize;
    section.size = bytes.size();
    section.bytes = {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
  }
};

// "start:size" of a piece, "none" without one.
std::string span(std::optional<Piece> p) {
  return p ? std::to_string(p->start) + ":" + std::to_string(p->size) : "none";
}

TEST(MergedSection, AStringRunsFromAfterTheLastTerminatorToItsOwn) {
  Section s(std::string("ab\0cde\0\0f", 9), SHF_STRINGS, 1);
  EXPECT_EQ(span(piece_at(s.section, 0)), "0:3");
  EXPECT_EQ(span(piece_at(s.section, 2)), "0:3");  // the terminator
  EXPECT_EQ(span(piece_at(s.section, 4)), "3:4");
  EXPECT_EQ(span(piece_at(s.section, 7)), "7:1");  // padding: ""
  EXPECT_EQ(span(piece_at(s.section, 8)), "8:1");  // unterminated
  EXPECT_EQ(span(piece_at(s.section, 9)), "none");
  EXPECT_EQ(span(piece_at(s.section, -1)), "none");
}

TEST(MergedSection, WideStringsEndAtAZeroEntry) {
  // char16_t "a" "b", then "c": zero bytes inside characters do not end a string.
  Section s(std::string("a\0b\0\0\0c\0\0\0", 10), SHF_STRINGS, 2);
  EXPECT_EQ(span(piece_at(s.section, 3)), "0:6");
  EXPECT_EQ(span(piece_at(s.section, 6)), "6:4");
}

TEST(MergedSection, ConstantsAreEntries) {
  Section s(std::string(40, '\0'), 0, 16);
  EXPECT_EQ(span(piece_at(s.section, 17)), "16:16");
  EXPECT_EQ(span(piece_at(s.section, 35)), "32:8");  // a short last entry
}

TEST(MergedSection, AnEntryLargerThanTheSectionIsTheWholeSection) {
  Section strings(std::string("ab\0c", 4), SHF_STRINGS, ~0ull);
  EXPECT_EQ(span(piece_at(strings.section, 3)), "0:4");
  Section constants(std::string(8, '\1'), 0, 1ull << 62);
  EXPECT_EQ(span(piece_at(constants.section, 7)), "0:8");
  Section empty(std::string(), SHF_STRINGS, 0);
  EXPECT_EQ(span(piece_at(empty.section, 0)), "none");
}

TEST(MergedSection, PiecesHoldingARangeAreWhole) {
  Section s(std::string("ab\0cde\0f\0", 9), SHF_STRINGS, 1);
  EXPECT_EQ(span(pieces_holding(s.section, 1, 4)), "0:7");
  EXPECT_EQ(span(pieces_holding(s.section, 4, 4)), "3:4");
  EXPECT_EQ(span(pieces_holding(s.section, 4, 12)), "none");
  EXPECT_EQ(span(pieces_holding(s.section, -4, 4)), "none");
}

}  // namespace
}  // namespace hotswap::diff
