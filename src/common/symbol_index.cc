#include "common/symbol_index.h"

#include <cxxabi.h>
#include <elf.h>

#include <cstdlib>
#include <memory>

namespace hotswap {

SymbolRef identity_of(const ElfSymbol& symbol) {
  return SymbolRef{symbol.name, symbol.bind == STB_LOCAL ? symbol.file : std::string()};
}

bool is_definition(const ElfSymbol& s) {
  if (s.name.empty() || s.shndx == SHN_UNDEF) return false;
  return s.type == STT_FUNC || s.type == STT_OBJECT || s.type == STT_TLS ||
         s.type == STT_GNU_IFUNC || (s.type == STT_NOTYPE && s.shndx < SHN_LORESERVE);
}

std::string demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && d ? std::string(d.get()) : name;
}

bool is_static_initializer(const std::string& name) {
  // GCC names a unit's initializer _GLOBAL__sub_I_<unit>, and one with a priority (the
  // sanitizers' module constructors: ASan registers the unit's globals there) _sub_I_<prio>_<n>;
  // Clang names ASan's asan.module_ctor.
  return name.rfind("_GLOBAL__sub_I_", 0) == 0 || name.rfind("_sub_I_", 0) == 0 ||
         name.rfind("asan.module_ctor", 0) == 0;
}

SymbolIndex::SymbolIndex(const ElfFile& file) {
  for (const ElfSymbol& s : file.symbols()) {
    if (!is_definition(s)) continue;
    SymbolRef id = identity_of(s);
    // The first definition wins: a strong global precedes nothing it could clash with, and
    // duplicate locals of one file (impossible in C++) are not guessed between.
    by_identity_.emplace(std::make_pair(id.file, id.name), &s);
    // The link lists the globals it made local (hidden visibility) after an STT_FILE
    // symbol with an empty name; a file-static keeps its file and is never found by name.
    if (s.bind == STB_LOCAL && s.file.empty()) locals_by_name_[s.name].push_back(&s);
  }
}

const ElfSymbol* SymbolIndex::find(const SymbolRef& ref) const {
  auto it = by_identity_.find({ref.file, ref.name});
  if (it != by_identity_.end()) return it->second;
  if (ref.file.empty()) {
    auto l = locals_by_name_.find(ref.name);
    if (l != locals_by_name_.end() && l->second.size() == 1) return l->second.front();
  }
  return nullptr;
}

}  // namespace hotswap
