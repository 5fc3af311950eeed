#include "runtime/scope.h"

#include <dlfcn.h>
#include <elf.h>

namespace hotswap {

std::optional<Definition> Scope::find(const SymbolRef& id) const {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto d = it->find(key_of(id));
    if (d != it->end()) return d->second;
  }
  const ElfSymbol* s = image_.index->find(id);
  if (!s) return std::nullopt;
  return Definition{image_.address_of(*s), s->size, s->type, "", true};
}

std::vector<std::uint64_t> Scope::entries(const SymbolRef& id) const {
  std::vector<std::uint64_t> out;
  if (const ElfSymbol* s = image_.index->find(id); s && s->type == STT_FUNC) out.push_back(image_.address_of(*s));
  for (const ScopeLayer& layer : layers_) {
    auto d = layer.find(key_of(id));
    if (d != layer.end() && d->second.type == STT_FUNC) out.push_back(d->second.address);
  }
  return out;
}

std::optional<std::uint64_t> Scope::find_external(const std::string& name) const {
  if (auto d = find(SymbolRef{name, ""})) return d->address;
  dlerror();
  void* p = dlsym(RTLD_DEFAULT, name.c_str());
  if (!dlerror()) return reinterpret_cast<std::uint64_t>(p);
  return std::nullopt;
}

}  // namespace hotswap
