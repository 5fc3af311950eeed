#include "runtime/scope.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

namespace hotswap {
namespace {

bool is_code(unsigned char type) { return type == STT_FUNC || type == STT_GNU_IFUNC; }

// A shared library's symbol, with its size and type when the dynamic linker knows them.
std::optional<Definition> library_symbol(const std::string& name) {
  dlerror();
  void* p = dlsym(RTLD_DEFAULT, name.c_str());
  if (dlerror()) return std::nullopt;
  Definition d{reinterpret_cast<std::uint64_t>(p), 0, STT_NOTYPE, "", false};
  Dl_info info;
  void* entry = nullptr;
  if (p && dladdr1(p, &info, &entry, RTLD_DL_SYMENT) && entry && info.dli_saddr == p) {
    const auto* sym = static_cast<const ElfW(Sym)*>(entry);
    d.size = sym->st_size;
    d.type = ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC ? STT_FUNC : ELF64_ST_TYPE(sym->st_info);
  }
  return d;
}

}  // namespace

void Scope::pop() {
  for (auto& [key, d] : layers_.back()) d.address = 0;
  layers_.pop_back();
}

std::optional<Definition> Scope::find(const SymbolRef& id) const {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto d = it->find(key_of(id));
    if (d != it->end()) return d->second;
  }
  const ElfSymbol* s = image_.index->find(id);
  if (!s) return std::nullopt;
  return Definition{image_.address_of(*s), s->size, s->type, "", true};
}

AddressSizeList Scope::copies(const SymbolRef& id) const {
  AddressSizeList out;
  if (const ElfSymbol* s = image_.index->find(id); s && s->type == STT_FUNC)
    out.emplace_back(image_.address_of(*s), s->size);
  for (const ScopeLayer& layer : layers_) {
    auto d = layer.find(key_of(id));
    if (d != layer.end() && d->second.type == STT_FUNC) out.emplace_back(d->second.address, d->second.size);
  }
  return out;
}

AddressList Scope::entries(const SymbolRef& id) const {
  AddressList out;
  for (const auto& [address, size] : copies(id)) out.push_back(address);
  return out;
}

std::optional<std::uint64_t> Scope::canonical_entry(const SymbolRef& id) const {
  AddressList all = entries(id);
  if (!all.empty()) return all.front();
  if (auto d = find(id); d && is_code(d->type)) return d->address;  // an ifunc's choice
  return std::nullopt;
}

std::optional<Definition> Scope::find_external(const std::string& name, bool thread_local_symbol) const {
  if (auto d = find(SymbolRef{name, ""})) {
    if ((d->type == STT_TLS) != thread_local_symbol) return std::nullopt;
    return d;
  }
  if (thread_local_symbol) {
    // dlsym would give this thread's instance; code needs the offset every thread shares.
    auto offset = image_.library_tls_offset(name);
    if (!offset) return std::nullopt;
    return Definition{static_cast<std::uint64_t>(*offset), 0, STT_TLS, "", false};
  }
  return library_symbol(name);
}

}  // namespace hotswap
