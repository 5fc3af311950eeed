// One ELF reader for the whole project: the running executable, build objects, patches.
// Everything is parsed and bounds-checked up front; afterwards the file is plain data.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/expected.h"

typedef struct Elf Elf;  // libelf's handle, used only while parsing

namespace hotswap {

struct ElfSection {
  std::size_t index = 0;
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t align = 1;
  std::uint64_t entsize = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::span<const unsigned char> bytes;  // empty for SHT_NOBITS
};

struct ElfSymbol {
  std::size_t index = 0;
  std::string name;  // without a "@VERSION" suffix
  std::string file;  // for local symbols: the STT_FILE they follow ("" if none)
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  unsigned char type = 0;
  unsigned char bind = 0;
  unsigned char visibility = 0;
  std::uint32_t shndx = 0;  // extended indices resolved
};

struct ElfRelocation {
  std::uint64_t offset = 0;
  std::uint32_t type = 0;
  std::uint32_t symbol = 0;
  std::int64_t addend = 0;
};

// A dynamic relocation of a linked file (.rela.dyn, .rela.plt), with its symbol's name
// from the dynamic symbol table ("" for none: R_X86_64_RELATIVE, R_X86_64_IRELATIVE).
struct ElfDynamicRelocation {
  std::uint64_t offset = 0;  // link-time address of the place
  std::uint32_t type = 0;
  std::string symbol;
  std::int64_t addend = 0;
};

struct ElfGroup {
  std::size_t section = 0;    // the SHT_GROUP section
  std::uint32_t signature = 0;  // symbol index
  bool comdat = false;
  std::vector<std::uint32_t> members;
};

class ElfFile {
 public:
  static Expected<ElfFile> open(const std::string& path);
  // The file mapped read-only instead of read into memory: for a file nobody may truncate
  // while it is mapped (a running executable), never for untrusted input.
  static Expected<ElfFile> open_mapped(const std::string& path);
  static Expected<ElfFile> from_bytes(std::vector<unsigned char> bytes, std::string label);

  const std::string& label() const { return label_; }
  // The whole file as read.
  std::span<const unsigned char> bytes() const { return bytes_; }
  std::uint16_t type() const { return type_; }  // ET_REL, ET_EXEC, ET_DYN
  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  const std::vector<ElfGroup>& groups() const { return groups_; }

  const ElfSection* find_section(const std::string& name) const;
  // The RELA entries that apply to section `index` (empty if none).
  const std::vector<ElfRelocation>& relocations_for(std::size_t index) const;
  // The dynamic relocations of a linked file (empty for a relocatable one).
  const std::vector<ElfDynamicRelocation>& dynamic_relocations() const { return dynamic_relocations_; }
  // Hex of the NT_GNU_BUILD_ID note, "" if the file has none.
  const std::string& build_id() const { return build_id_; }
  // The bytes of a defined symbol, as the file holds them; empty if not in a PROGBITS section.
  std::span<const unsigned char> symbol_bytes(const ElfSymbol& symbol) const;

 private:
  ElfFile() = default;
  Status parse();
  Status parse_dynamic_relocations(Elf* elf, const ElfSection& rela);

  std::string label_;
  std::shared_ptr<const void> storage_;  // owns what bytes_ points into
  std::span<const unsigned char> bytes_;
  std::uint16_t type_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSymbol> symbols_;
  std::vector<ElfGroup> groups_;
  std::vector<std::vector<ElfRelocation>> relocations_;  // by target section index
  std::vector<ElfDynamicRelocation> dynamic_relocations_;
  std::string build_id_;
};

// Strips "@VER" / "@@VER" that ld puts into .symtab names of versioned dynamic symbols.
std::string strip_symbol_version(const std::string& name);

}  // namespace hotswap
