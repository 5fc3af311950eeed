// Symbol identity (DESIGN §4): globals by name, file-locals by (file, name). One index for
// every place that looks a symbol up in an ELF file by identity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/manifest.h"

namespace hotswap {

SymbolRef identity_of(const ElfSymbol& symbol);

// True for symbols that name code or data (not sections, files or undefined references).
bool is_definition(const ElfSymbol& symbol);

// The demangled name, or the name itself when it is not a mangled C++ name.
std::string demangle(const std::string& name);

// A translation unit's static initializer (_GLOBAL__sub_I_..., GCC and Clang; a sanitizer's
// module constructor, _sub_I_00099_1 or asan.module_ctor): it runs once at start-up, so a
// changed one is never redirected; a patch carries it with its unit.
bool is_static_initializer(const std::string& name);

class SymbolIndex {
 public:
  explicit SymbolIndex(const ElfFile& file);
  // The defined symbol with this identity. A global that the link made local (hidden
  // visibility) is found by name when exactly one such symbol has that name; a
  // file-static (a local with a source file) never answers for a global name.
  const ElfSymbol* find(const SymbolRef& ref) const;

 private:
  std::map<std::pair<std::string, std::string>, const ElfSymbol*> by_identity_;
  std::map<std::string, std::vector<const ElfSymbol*>> locals_by_name_;
};

}  // namespace hotswap
