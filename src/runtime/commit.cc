// Commit and revert: the only steps that change what running threads execute.
//
// Commit: everything that can refuse comes first (the redirects are planned and the
// entry pages made writable); then the patch's unwind table is registered and its static
// initializers run; then the pause: pads, slots and entries are written, each entry with
// one store, and the pages made executable again. Once an entry is live nothing is undone:
// a failure to restore the protection leaves the pages writable and says so.
#include <elf.h>
#include <sys/mman.h>

#include <chrono>
#include <exception>
#include <algorithm>
#include <map>

#include "arch/x86_64/redirect.h"
#include "arch/x86_64/relocations.h"
#include "runtime/eh_frame.h"
#include "runtime/migrate.h"
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

constexpr int kNoUndo = -1;

// Makes the pages holding the given entries writable (or executable again), one mprotect
// per run of adjacent pages. When one fails, the runs already changed get `undo` back
// (kNoUndo: they keep the new protection).
Status protect_entries(const AddressList& entries, int prot, int undo) {
  AddressList pages;  // reclaim.h: no stale copies of addresses
  pages.reserve(2 * entries.size());
  for (std::uint64_t e : entries) {
    pages.push_back((e - x86_64::kPadBefore) & ~(kPageSize - 1));
    pages.push_back((e + x86_64::kEntryBytes - 1) & ~(kPageSize - 1));
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  AddressSizeList done;
  for (std::size_t i = 0; i < pages.size();) {
    std::uint64_t lo = pages[i], hi = lo + kPageSize;
    for (++i; i < pages.size() && pages[i] == hi; ++i) hi += kPageSize;
    if (Status s = protect_range(lo, hi, prot); !s) {
      if (undo != kNoUndo)
        for (auto [from, to] : done) (void)protect_range(from, to, undo);
      return s;
    }
    done.emplace_back(lo, hi);
  }
  return Status::success();
}

// What the patch adds to the running scope: its loaded functions and new data.
ScopeLayer exports_of(const LinkedPatch& patch) {
  ScopeLayer layer;
  std::map<SymbolKey, std::string> new_hashes;
  for (const ManifestFunction& f : patch.file.manifest.functions) new_hashes[key_of(f.symbol)] = f.new_hash;
  // An alias (a destructor's D1 and D2 names) is the same code: it has the hash of the name
  // the manifest lists, even when the manifest lists only one (a function that joined the
  // patch for using a changed type). Without it, the next patch that changes the function
  // again finds no hash under the other name, and is refused.
  // Code is named by its place in the file, not its address: a node freed with an address
  // in it would keep the patch mapped once reverted (reclaim.h).
  using Place = std::pair<std::uint64_t, std::uint64_t>;  // (section, offset)
  std::map<Place, std::string> hash_at;
  for (const ElfSymbol& s : patch.file.elf->symbols())
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF && s.shndx < patch.sections.size())
      if (auto h = new_hashes.find(key_of(identity_of(s))); h != new_hashes.end())
        hash_at.emplace(Place{s.shndx, s.value}, h->second);
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size() || s.name.empty()) continue;
    if (s.type != STT_FUNC && s.type != STT_OBJECT) continue;
    const SectionPlan& plan = patch.sections[s.shndx];
    if (plan.placement != Placement::kLoad || plan.init_code) continue;
    SymbolKey key = key_of(identity_of(s));
    Definition d{patch.symbol_values[s.index], s.size, s.type, "", false};
    if (auto h = new_hashes.find(key); h != new_hashes.end()) d.hash = h->second;
    else if (auto a = hash_at.find(Place{s.shndx, s.value}); s.type == STT_FUNC && a != hash_at.end())
      d.hash = a->second;
    layer.emplace(key, d);
  }
  return layer;
}

// Every entry to point at the new code, and what each held before. Fails without effect.
Expected<std::vector<Redirect>> plan_redirects(LinkedPatch& patch, const RuntimeState& state) {
  std::vector<Redirect> redirects;
  // One allocation: a vector that grew would leave copies of these addresses in freed
  // memory, where reclamation's scan would take them for the program's (reclaim.h).
  redirects.reserve(patch.redirect_slots.size() + state.entry_slots.size());
  std::size_t next_slot = 0;
  // One redirect per entry: aliases (a constructor's C1 and C2 names, listed twice in a
  // manifest) share theirs, and must agree on where it goes.
  AddressMap<std::uint64_t> planned;  // entry -> target
  // Each changed function's entries go to its new code; a function whose signature changed
  // keeps its entries, which go to its stub (the old signature, calling the new function).
  std::vector<std::pair<SymbolRef, SymbolRef>> moves;  // running function -> the patch's symbol
  for (const ManifestFunction& f : patch.file.manifest.functions)
    if (patch.changed.count(key_of(f.symbol))) moves.emplace_back(f.symbol, f.symbol);
  for (const ManifestStub& stub : patch.file.manifest.stubs) moves.emplace_back(stub.function, SymbolRef{stub.stub, ""});
  for (const auto& [f_symbol, to] : moves) {
    std::uint64_t target = address_in_patch(patch, to);
    if (!target) return make_error("function " + to.display() + " has no address in the patch");
    for (std::uint64_t entry : state.scope->entries(f_symbol)) {
      auto [at, fresh] = planned.emplace(entry, target);
      if (!fresh) {
        if (at->second != target)
          return make_error("function " + f_symbol.display() + " shares its entry with another function that " +
                            "the patch sends elsewhere");
        continue;
      }
      Redirect r{f_symbol, entry, nullptr, 0, 0, target};
      if (auto s = state.entry_slots.find(entry); s != state.entry_slots.end()) {
        r.slot = s->second;
        r.previous_target = *r.slot;
      } else {
        if (next_slot >= patch.redirect_slots.size()) return make_error("out of redirect slots");
        r.slot = patch.redirect_slots[next_slot++];
        r.original_entry = x86_64::read_entry(reinterpret_cast<unsigned char*>(entry));
        if (!x86_64::within_pc32(entry, reinterpret_cast<std::uint64_t>(r.slot)))
          return make_error("function " + f_symbol.display() + ": its jump slot is out of reach of its entry");
      }
      redirects.push_back(r);
    }
  }
  return redirects;
}

// The patch's static initializers, which construct its new data. Any exception, of any
// type, refuses the patch.
Status run_initializers(LinkedPatch& patch) {
  if (patch.init_functions.empty()) return Status::success();
  patch.initializers_ran = true;
  try {
    for (std::uint64_t fn : patch.init_functions) reinterpret_cast<void (*)()>(fn)();
  } catch (const std::exception& e) {
    return make_error(std::string("a static initializer of the patch threw: ") + e.what());
  } catch (...) {
    return make_error("a static initializer of the patch threw an exception that is not a std::exception");
  }
  return Status::success();
}

// After the initializers: the new data they filled must point at running instances, not
// at the shadows that stood in for them (an initializer that took a bound datum's address
// saw its shadow). Words of the new data that point into a shadow are moved onto the
// running instance. (Heap objects the initializers built are not visited.)
void aim_new_data_at_running_instances(LinkedPatch& patch) {
  const ElfFile& elf = *patch.file.elf;
  struct Shadow {
    std::uint64_t begin, end, running;
  };
  std::vector<Shadow> shadows;
  for (const ElfSection& s : elf.sections())
    if (const SectionPlan& b = patch.sections[s.index]; b.shadow) shadows.push_back({b.shadow, b.shadow + s.size, b.address});
  for (const ElfSection& s : elf.sections()) {
    const SectionPlan& plan = patch.sections[s.index];
    if (plan.placement != Placement::kLoad || plan.region != RegionKind::kData || s.type == SHT_INIT_ARRAY) continue;
    for (std::uint64_t off = 0; off + 8 <= s.size; off += 8) {
      auto* word = reinterpret_cast<std::uint64_t*>(plan.address + off);
      for (const Shadow& shadow : shadows)
        if (*word >= shadow.begin && *word < shadow.end) {
          *word = shadow.running + (*word - shadow.begin);
          break;
        }
    }
  }
  for (Shadow& shadow : shadows) shadow = {};  // reclaim.h: no stale copies
}

// Writes the redirects. Fresh entries first: their slots and pads are not live yet. Then
// the live slots of entries redirected before, then the fresh entries, one store each.
void write_redirects(const std::vector<Redirect>& redirects, RuntimeState& state) {
  // The fresh entries' nodes first, while nothing is written: an allocation that fails
  // then leaves no entry half redirected.
  try {
    for (const Redirect& r : redirects)
      if (!r.previous_target) state.entry_slots.try_emplace(r.entry, nullptr);
  } catch (...) {
    for (auto it = state.entry_slots.begin(); it != state.entry_slots.end();)
      it = it->second == nullptr ? state.entry_slots.erase(it) : std::next(it);
    throw;
  }
  for (const Redirect& r : redirects) {
    if (r.previous_target) continue;
    x86_64::store_slot(r.slot, r.target);
    (void)x86_64::write_pad_jump(reinterpret_cast<unsigned char*>(r.entry), r.slot);  // reach checked in planning
  }
  for (const Redirect& r : redirects)
    if (r.previous_target) x86_64::store_slot(r.slot, r.target);
  x86_64::sync_cores();
  for (const Redirect& r : redirects) {
    if (r.previous_target) continue;
    x86_64::write_entry_jump(reinterpret_cast<unsigned char*>(r.entry));
    state.entry_slots.find(r.entry)->second = r.slot;
  }
  x86_64::sync_cores();
}

AddressList entries_of(const std::vector<Redirect>& redirects) {
  AddressList entries;
  entries.reserve(redirects.size());
  for (const Redirect& r : redirects) entries.push_back(r.entry);
  return entries;
}

std::string protection_warning(const Status& restored) {
  return "the code pages of the redirected entries stay writable (" + restored.message() + ")";
}

}  // namespace

Status commit_patch(LinkedPatch& patch, RuntimeState& state, std::span<const quiescence::HeldThread> held) {
  auto redirects = plan_redirects(patch, state);
  if (!redirects) return redirects.error();
  AddressList entries = entries_of(*redirects);
  HOTSWAP_TRY(protect_entries(entries, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_READ | PROT_EXEC));

  // Past the last refusal that leaves no trace. The unwinder learns the new code before any
  // of it runs (initializers may throw through it).
  if (patch.eh_frame && !patch.eh_frame_registered) {  // a reused patch's table still is
    register_unwind_table(patch.eh_frame, patch.frame_object);
    patch.eh_frame_registered = true;
  }
  if (Status initialized = run_initializers(patch); !initialized) {
    (void)protect_entries(entries, PROT_READ | PROT_EXEC, kNoUndo);
    return initialized;
  }
  if (patch.initializers_ran) aim_new_data_at_running_instances(patch);
  // The state moves into the new instances the initializers built (migrate.h; the caller
  // holds the threads). A refusal leaves the running instances as they were.
  if (Status migrated = run_transformers(patch, Direction::kForward, held); !migrated) {
    (void)protect_entries(entries, PROT_READ | PROT_EXEC, kNoUndo);
    return migrated;
  }

  patch.exports = exports_of(patch);  // before the redirects: what may fail comes first
  auto start = Clock::now();
  write_redirects(*redirects, state);
  patch.was_live = true;
  patch.redirects = std::move(*redirects);  // from here on the update stands, whatever fails
  Status restored = protect_entries(entries, PROT_READ | PROT_EXEC, kNoUndo);
  patch.pause_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  if (!restored) patch.warning = protection_warning(restored);
  state.scope->push(patch.exports);
  return Status::success();
}

Status revert_patch(LinkedPatch& patch, RuntimeState& state, const std::function<void()>& before_switch) {
  AddressList entries = entries_of(patch.redirects);
  HOTSWAP_TRY(protect_entries(entries, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_READ | PROT_EXEC));
  if (before_switch) before_switch();
  auto start = Clock::now();
  for (auto it = patch.redirects.rbegin(); it != patch.redirects.rend(); ++it) {
    if (it->previous_target) {
      x86_64::store_slot(it->slot, it->previous_target);
    } else {
      // The pad keeps its jump: a thread may be between the entry and the pad right now.
      // Its slot now leads past the entry's NOPs into the old body, as a call after the
      // revert should.
      x86_64::store_slot(it->slot, it->entry + x86_64::kEntryBytes);
      x86_64::restore_entry(reinterpret_cast<unsigned char*>(it->entry), it->original_entry);
      if (auto slot = state.entry_slots.find(it->entry); slot != state.entry_slots.end()) {
        slot->second = nullptr;  // the node goes back to malloc: no address of the patch in it
        state.entry_slots.erase(slot);
      }
    }
  }
  x86_64::sync_cores();
  Status restored = protect_entries(entries, PROT_READ | PROT_EXEC, kNoUndo);
  patch.pause_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  patch.warning = restored ? "" : protection_warning(restored);
  state.scope->pop();
  return Status::success();
}

}  // namespace hotswap
