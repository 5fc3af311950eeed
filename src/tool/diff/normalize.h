// Normalization of a relocatable object's code and data: the bytes of a symbol with every
// relocated field zeroed, and every relocation rewritten to what it means independently of
// layout — the symbol defined at that place, or the content of every read-only byte the
// code can reach through it (the whole string literal, whatever the addend; a jump table in
// .rodata.f). Two symbols with equal normal forms behave the same; layout shifts between
// builds are not changes. docs/diff.md states the rules for read-only data.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/elf_file.h"

namespace hotswap::diff {

// The tables of one relocatable object the normalizer reads. Plain data, so that tests
// can build objects by hand.
struct ObjectTables {
  const std::vector<ElfSection>* sections = nullptr;
  const std::vector<ElfSymbol>* symbols = nullptr;
  std::function<const std::vector<ElfRelocation>&(std::size_t section)> relocations_for;
};
ObjectTables tables_of(const ElfFile& object);

// One normalized reference from a symbol's bytes.
struct NormalReference {
  std::uint64_t offset = 0;  // from the symbol's start
  std::uint32_t type = 0;    // relocation kind
  std::string target;        // e.g. "F:_Z4tickv-4", "S:\"hello\"+8", "R:_ZL5table{hash}-4"
  std::string symbol;        // the named symbol referred to, "" for anonymous content
};

struct NormalForm {
  std::string code_hash;  // bytes with relocated fields zeroed (size included)
  std::uint64_t size = 0;
  std::vector<unsigned char> masked;  // those bytes, to say what differs
  std::vector<NormalReference> references;
  bool operator==(const NormalForm& other) const;
};

// Why two normal forms differ, for people ("code differs", "string literal changed from
// \"a\" to \"b\""). "" when they are equal.
std::string explain_difference(const NormalForm& before, const NormalForm& after);

class Normalizer {
 public:
  explicit Normalizer(ObjectTables tables);

  // The normal form of a defined symbol (function or datum).
  NormalForm normalize(const ElfSymbol& symbol);
  // What one relocation in section `section` refers to, layout-independently.
  NormalReference normalize_relocation(std::size_t section, std::uint64_t symbol_start,
                                       const ElfRelocation& relocation);

 private:
  const ElfSymbol* symbol_covering(std::size_t section, std::uint64_t offset) const;
  std::string named_target(const ElfSymbol& symbol, std::int64_t delta);
  std::string merged_target(const ElfSymbol& symbol, const ElfRelocation& relocation);
  std::string section_target(std::size_t section, std::int64_t offset, std::uint32_t type);
  std::string read_only_target(std::size_t section, std::int64_t offset);
  const ElfSymbol* sole_object(std::size_t section) const;
  std::string read_only_content(std::size_t section, std::uint64_t start, std::uint64_t size);
  bool is_read_only(const ElfSection& section) const;

  ObjectTables tables_;
  std::map<std::size_t, std::vector<const ElfSymbol*>> by_section_;  // sorted by value
  std::map<std::tuple<std::size_t, std::uint64_t, std::uint64_t>, std::string> content_cache_;
  std::set<std::tuple<std::size_t, std::uint64_t, std::uint64_t>> in_progress_;
};

// True for the symbols the diff treats as anonymous places rather than names: local
// labels the assembler kept (".LC0", ".L.str.1") and section symbols.
bool is_anonymous_label(const ElfSymbol& symbol);

}  // namespace hotswap::diff
