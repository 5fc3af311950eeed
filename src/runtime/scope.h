// The running program's symbol scope: the executable's symbols, overlaid by what each
// applied patch introduced (newest first), then the shared libraries. A patch binds
// against this scope; committing pushes the patch's definitions, reverting pops them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/manifest.h"
#include "runtime/image.h"
#include "runtime/private_memory.h"

namespace hotswap {

using SymbolKey = std::pair<std::string, std::string>;  // (file, name)
inline SymbolKey key_of(const SymbolRef& r) { return {r.file, r.name}; }

struct Definition {
  std::uint64_t address = 0;  // thread-pointer offset for TLS
  std::uint64_t size = 0;
  unsigned char type = 0;     // STT_FUNC, STT_OBJECT, STT_TLS, STT_GNU_IFUNC (resolved), ...
  std::string hash;           // functions a patch introduced: the manifest's new_hash
  bool from_image = true;
};

using ScopeLayer = std::map<SymbolKey, Definition>;

class Scope {
 public:
  explicit Scope(const RunningImage& image) : image_(image) {}

  // The current definition of a symbol: the newest patch's, else the executable's.
  std::optional<Definition> find(const SymbolRef& id) const;
  // Every entry a call to this function may still reach: the executable's, then each
  // applied patch's copy, oldest first.
  AddressList entries(const SymbolRef& id) const;
  // The same, with each copy's size.
  AddressSizeList copies(const SymbolRef& id) const;
  // All the code an activation of the function may be in: each copy, and the pieces the
  // compiler split off each copy (f.cold, f.part.0, and their .cold). A piece lies outside
  // its function's range, and a thread in it may have no frame in the function at all: a
  // cold part is jumped into, a split part may be tail-called.
  AddressSizeList code(const SymbolRef& id) const;
  // Reads the executable's pieces now (they are read once, when first asked), so that the
  // first update that moves state does not do it while the threads are held.
  void index_parts() const { image_parts(); }
  // The function's address as the program knows it: its first entry (the executable's, or
  // the copy of the patch that introduced it). Redirects keep it running the newest code,
  // so every version of the program takes the same address (&f == &f across patches).
  std::optional<std::uint64_t> canonical_entry(const SymbolRef& id) const;
  // An undefined reference of a patch: the program's own global, else a shared library's.
  // A thread-local of a shared library resolves to its thread-pointer offset, known only
  // when the executable uses that variable itself.
  std::optional<Definition> find_external(const std::string& name, bool thread_local_symbol) const;

  void push(ScopeLayer layer);
  // Drops the newest layer, wiping its addresses first (reclaim.h: the runtime's records
  // must not look like pointers into a reverted patch).
  void pop();

 private:
  using Parts = std::map<SymbolKey, AddressSizeList>;  // a function's split-off parts
  const Parts& image_parts() const;

  const RunningImage& image_;
  std::vector<ScopeLayer> layers_;
  std::vector<Parts> layer_parts_;                // one per layer
  mutable std::optional<Parts> image_parts_;      // read from the executable's symbols once
};

}  // namespace hotswap
