#include "runtime/scope.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include "common/symbol_names.h"

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

// The function a piece belongs to, among the definitions `has`: the longest name the piece
// extends by a cold part or a split part ("f.part.0.cold" is f.part.0's, "f.constprop.0.cold"
// the clone's even where no f is left, "f.part.0" f's), in the piece's own file (a
// file-static), else a global (a piece of a global function is a local of its file). A
// clone (f.constprop.0, f.isra.0) belongs to no one: it is code of its own, called from
// elsewhere, in the patch only when the patch carries it anew (replaced_functions).
template <class Has>
std::optional<SymbolKey> owner_of_part(const std::string& file, const std::string& name, Has has) {
  std::string root = parent_function(name);
  if (root.empty()) return std::nullopt;
  for (std::size_t dot = name.rfind('.'); dot != std::string::npos && dot >= root.size(); dot = name.rfind('.', dot - 1)) {
    std::string owner = name.substr(0, dot);
    bool piece = name.compare(dot, 5, ".cold") == 0 || name.compare(dot, 6, ".part.") == 0;
    if (!piece) {
      if (dot == 0) break;
      continue;
    }
    if (!file.empty() && has(SymbolKey{file, owner})) return SymbolKey{file, owner};
    if (has(SymbolKey{"", owner})) return SymbolKey{"", owner};
    if (dot == 0) break;
  }
  return std::nullopt;
}

}  // namespace

void Scope::push(ScopeLayer layer) {
  Parts parts;
  for (const auto& [key, d] : layer) {
    if (d.type != STT_FUNC || !d.size) continue;
    auto owner = owner_of_part(key.first, key.second, [&layer](const SymbolKey& k) { return layer.count(k) > 0; });
    if (owner) parts[*owner].emplace_back(d.address, d.size);
  }
  // Both or neither: pop() takes one of each.
  layers_.reserve(layers_.size() + 1);
  layer_parts_.reserve(layer_parts_.size() + 1);
  layers_.push_back(std::move(layer));
  layer_parts_.push_back(std::move(parts));
}

void Scope::pop() {
  for (auto& [key, d] : layers_.back()) d.address = 0;
  for (auto& [key, ranges] : layer_parts_.back())
    for (auto& range : ranges) range = {0, 0};
  layers_.pop_back();
  layer_parts_.pop_back();
}

const Scope::Parts& Scope::image_parts() const {
  if (image_parts_) return *image_parts_;
  Parts parts;
  for (const ElfSymbol& s : image_.elf->symbols()) {
    if (s.type != STT_FUNC || !s.size || !is_definition(s)) continue;
    SymbolRef part = identity_of(s);
    auto owner = owner_of_part(part.file, part.name, [this](const SymbolKey& k) {
      const ElfSymbol* found = image_.index->find(SymbolRef{k.second, k.first});
      return found && found->type == STT_FUNC;
    });
    if (owner) parts[*owner].emplace_back(image_.address_of(s), s.size);
  }
  image_parts_ = std::move(parts);
  return *image_parts_;
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

AddressSizeList Scope::code(const SymbolRef& id) const {
  AddressSizeList out = copies(id);
  auto add_parts = [&out, key = key_of(id)](const Parts& parts) {
    if (auto p = parts.find(key); p != parts.end()) out.insert(out.end(), p->second.begin(), p->second.end());
  };
  add_parts(image_parts());
  for (const Parts& parts : layer_parts_) add_parts(parts);
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
