// Commit and revert: the only steps that change what running threads execute. Each is a
// short pause: make the affected code pages writable, write the jumps (pads first, then
// the entries, each with one store), make them executable again.
#include <elf.h>
#include <sys/mman.h>

#include <chrono>
#include <set>

#include "arch/x86_64/redirect.h"
#include "runtime/runtime_state.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t address_in_patch(const LinkedPatch& patch, const SymbolRef& id) {
  for (const ElfSymbol& s : patch.file.elf->symbols())
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF && identity_of(s) == id) return patch.symbol_values[s.index];
  return 0;
}

// Makes the pages holding the given entries writable (or executable again), one mprotect
// per run of adjacent pages.
Status protect_entries(const std::vector<std::uint64_t>& entries, int prot) {
  std::set<std::uint64_t> pages;
  for (std::uint64_t e : entries) {
    pages.insert((e - x86_64::kPadBefore) & ~(kPageSize - 1));
    pages.insert((e + x86_64::kEntryBytes - 1) & ~(kPageSize - 1));
  }
  auto it = pages.begin();
  while (it != pages.end()) {
    std::uint64_t lo = *it, hi = lo + kPageSize;
    for (++it; it != pages.end() && *it == hi; ++it) hi += kPageSize;
    HOTSWAP_TRY(protect_range(lo, hi, prot));
  }
  return Status::success();
}

// What the patch adds to the running scope: its loaded functions and new data.
ScopeLayer exports_of(const LinkedPatch& patch) {
  ScopeLayer layer;
  std::map<SymbolKey, std::string> new_hashes;
  for (const ManifestFunction& f : patch.file.manifest.functions) new_hashes[key_of(f.symbol)] = f.new_hash;
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size() || s.name.empty()) continue;
    if (s.type != STT_FUNC && s.type != STT_OBJECT) continue;
    const SectionPlan& plan = patch.sections[s.shndx];
    if (plan.placement != Placement::kLoad || plan.init_code) continue;
    SymbolKey key = key_of(identity_of(s));
    Definition d{patch.symbol_values[s.index], s.size, s.type, "", false};
    if (auto h = new_hashes.find(key); h != new_hashes.end()) d.hash = h->second;
    layer.emplace(key, d);
  }
  return layer;
}

}  // namespace

Status commit_patch(LinkedPatch& patch, RuntimeState& state) {
  // Everything that can fail is decided before the first write.
  std::vector<Redirect> redirects;
  std::size_t next_slot = 0;
  for (const ManifestFunction& f : patch.file.manifest.functions) {
    if (f.kind != ManifestFunction::Kind::kChanged) continue;
    std::uint64_t target = address_in_patch(patch, f.symbol);
    if (!target) return make_error("function " + f.symbol.display() + " has no address in the patch");
    for (std::uint64_t entry : state.scope->entries(f.symbol)) {
      Redirect r{f.symbol, entry, nullptr, 0, 0, target};
      if (auto s = state.entry_slots.find(entry); s != state.entry_slots.end()) {
        r.slot = s->second;
        r.previous_target = *r.slot;
      } else {
        if (next_slot >= patch.redirect_slots.size()) return make_error("out of redirect slots");
        r.slot = patch.redirect_slots[next_slot++];
        r.original_entry = x86_64::read_entry(reinterpret_cast<unsigned char*>(entry));
      }
      redirects.push_back(r);
    }
  }
  std::vector<std::uint64_t> entries;
  for (const Redirect& r : redirects) entries.push_back(r.entry);

  auto start = Clock::now();
  HOTSWAP_TRY(protect_entries(entries, PROT_READ | PROT_WRITE | PROT_EXEC));
  // Fresh entries first: their slots and pads are not live yet, so a failure here changes
  // nothing a thread can reach. Then retarget the live slots of entries redirected before.
  for (const Redirect& r : redirects) {
    if (r.previous_target) continue;
    x86_64::store_slot(r.slot, r.target);
    Status pad = x86_64::write_pad_jump(reinterpret_cast<unsigned char*>(r.entry), r.slot);
    if (!pad) {
      (void)protect_entries(entries, PROT_READ | PROT_EXEC);
      return pad;
    }
  }
  for (const Redirect& r : redirects)
    if (r.previous_target) x86_64::store_slot(r.slot, r.target);
  x86_64::sync_cores();
  for (const Redirect& r : redirects) {
    if (r.previous_target) continue;
    x86_64::write_entry_jump(reinterpret_cast<unsigned char*>(r.entry));
    state.entry_slots[r.entry] = r.slot;
  }
  x86_64::sync_cores();
  Status restored = protect_entries(entries, PROT_READ | PROT_EXEC);
  patch.pause_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  patch.redirects = std::move(redirects);
  patch.exports = exports_of(patch);
  state.scope->push(patch.exports);
  return restored;
}

Status revert_patch(LinkedPatch& patch, RuntimeState& state) {
  std::vector<std::uint64_t> entries;
  for (const Redirect& r : patch.redirects) entries.push_back(r.entry);
  auto start = Clock::now();
  HOTSWAP_TRY(protect_entries(entries, PROT_READ | PROT_WRITE | PROT_EXEC));
  for (auto it = patch.redirects.rbegin(); it != patch.redirects.rend(); ++it) {
    if (it->previous_target) {
      x86_64::store_slot(it->slot, it->previous_target);
    } else {
      // The pad keeps its jump: a thread may be between the entry and the pad right now.
      x86_64::restore_entry(reinterpret_cast<unsigned char*>(it->entry), it->original_entry);
      state.entry_slots.erase(it->entry);
    }
  }
  x86_64::sync_cores();
  Status restored = protect_entries(entries, PROT_READ | PROT_EXEC);
  patch.pause_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  state.scope->pop();
  return restored;
}

}  // namespace hotswap
