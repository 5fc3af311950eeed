#include "runtime/migrate.h"

#include <elf.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <exception>
#include <thread>

#include "common/symbol_index.h"
#include "runtime/memory.h"
#include "runtime/private_memory.h"
#include "runtime/proc_maps.h"
#include "runtime/runtime_state.h"
#include "runtime/thread_sampler.h"

namespace hotswap {
namespace {

using Clock = std::chrono::steady_clock;

// "app::g_store", "store.cpp::s_cache": a datum as people know it.
std::string datum_name(const SymbolRef& id) { return (id.file.empty() ? "" : id.file + "::") + demangle(id.name); }

using Transformer = int (*)(const void* from, void* to);

// The patch's own definition of a symbol: its value after bind, and its size.
const ElfSymbol* defined_in_patch(const LinkedPatch& patch, const SymbolRef& id, bool function) {
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size()) continue;
    if ((s.type == STT_FUNC) != function || (!function && s.type != STT_OBJECT)) continue;
    if (identity_of(s) == id) return &s;
  }
  return nullptr;
}

std::uint64_t transformer_address(const LinkedPatch& patch, const std::string& name) {
  if (name.empty()) return 0;
  const ElfSymbol* s = defined_in_patch(patch, SymbolRef{name, ""}, true);
  return s ? patch.symbol_values[s->index] : 0;
}

enum class Scan { kClean, kHit, kUnreadable };

// Reads the words of [begin, end) of the calling process a chunk at a time, with
// process_vm_readv (which fails on an unmapped page instead of faulting), until `hit` says
// a chunk holds what it looks for.
template <class Hit>
Scan scan_words(std::uint64_t begin, std::uint64_t end, Hit hit) {
  if (!begin || end <= begin) return Scan::kUnreadable;
  std::uint64_t words[512];
  pid_t self = getpid();
  for (std::uint64_t at = begin & ~std::uint64_t{7}; at < end;) {
    std::size_t bytes = std::min<std::uint64_t>(sizeof words, end - at);
    iovec local{words, bytes}, remote{reinterpret_cast<void*>(at), bytes};
    ssize_t n = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (n <= 0) return Scan::kUnreadable;
    if (hit(static_cast<const std::uint64_t*>(words), static_cast<std::size_t>(n) / 8)) return Scan::kHit;
    at += static_cast<std::uint64_t>(n);
  }
  return Scan::kClean;
}

// Whether a word is one of `entries` (sorted).
bool is_entry(const PrivateArray<std::uint64_t>& entries, std::uint64_t word) {
  return !entries.empty() && word >= *entries.begin() && word <= *(entries.end() - 1) &&
         std::binary_search(entries.begin(), entries.end(), word);
}

// Whether any word of [begin, end) is one of `entries`.
Scan holds_entry(std::uint64_t begin, std::uint64_t end, const PrivateArray<std::uint64_t>& entries) {
  if (entries.empty()) return Scan::kClean;
  return scan_words(begin, end, [&](const std::uint64_t* words, std::size_t count) {
    return std::any_of(words, words + count, [&](std::uint64_t w) { return is_entry(entries, w); });
  });
}

// Whether any word of [begin, end) points into one of `ranges` (the first such in `found`).
Scan points_into(std::uint64_t begin, std::uint64_t end, std::span<const CodeRange> ranges, std::uint64_t& found) {
  return scan_words(begin, end, [&](const std::uint64_t* words, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
      for (const CodeRange& r : ranges)
        if (r.contains(words[i])) {
          found = words[i];
          return true;
        }
    return false;
  });
}

// Whether [begin, end) lies in writable mappings.
bool writable(std::uint64_t begin, std::uint64_t end) {
  for (const Mapping& m : read_mappings())
    if (m.begin <= begin && begin < m.end) {
      if (!m.writable) return false;
      if (end <= m.end) return true;
      begin = m.end;
    }
  return false;
}

// The code a thread must not be in while the state moves, with the function each range is.
struct Replaced {
  std::vector<CodeRange, ScrubbingAllocator<CodeRange>> ranges;  // reclaim.h: no stale copies
  std::vector<std::string> names;
};

Replaced replaced_code(const LinkedPatch& patch, const Scope& scope, Direction direction) {
  Replaced out;
  if (direction == Direction::kInverse) {  // the patch's own code goes back
    out.ranges.push_back({patch.text_begin, patch.text_end});
    out.names.push_back("code of the patch");
    return out;
  }
  for (const SymbolRef& f : replaced_functions(patch))
    for (auto [address, size] : scope.code(f))
      if (size) {
        out.ranges.push_back({address, address + size});
        out.names.push_back(demangle(f.name));
      }
  return out;
}

// The start of every function of the patch, sorted: the only addresses in its code that a
// revert must not leave behind (a return address a program saved is not an entry). Private
// memory (reclaim.h): no stale copy of them is left on the heap. nullopt when the table
// could not be mapped.
std::optional<PrivateArray<std::uint64_t>> leaving_entries(const LinkedPatch& patch) {
  auto in_text = [&patch](const ElfSymbol& s) {
    if (s.type != STT_FUNC || s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size()) return false;
    std::uint64_t at = patch.symbol_values[s.index];
    return at >= patch.text_begin && at < patch.text_end;
  };
  const auto& symbols = patch.file.elf->symbols();
  std::size_t count = static_cast<std::size_t>(std::count_if(symbols.begin(), symbols.end(), in_text));
  PrivateArray<std::uint64_t> out(count);
  if (out.capacity() < count) return std::nullopt;
  for (const ElfSymbol& s : symbols)
    if (in_text(s)) out.push_back(patch.symbol_values[s.index]);
  std::sort(out.begin(), out.end());
  return out;
}

// The value the executable's datum at `running` had when the program started: its bytes
// in the file (zeros in .bss) with the load-time relocations that land in it applied. Only
// relative ones can be known here; a datum with any other is not known (nullopt).
std::optional<std::vector<unsigned char>> initial_value(const RunningImage& image, const SymbolRef& id,
                                                        std::uint64_t running, std::uint64_t size) {
  const ElfSymbol* sym = image.index->find(id);
  if (!sym || sym->type != STT_OBJECT || sym->size != size || image.bias + sym->value != running) return std::nullopt;
  if (sym->shndx == SHN_UNDEF || sym->shndx >= image.elf->sections().size()) return std::nullopt;
  const ElfSection& section = image.elf->sections()[sym->shndx];
  if (section.flags & SHF_TLS) return std::nullopt;
  std::vector<unsigned char> value(size, 0);
  if (section.type != SHT_NOBITS) {
    std::span<const unsigned char> bytes = image.elf->symbol_bytes(*sym);
    if (bytes.size() != size) return std::nullopt;
    std::copy(bytes.begin(), bytes.end(), value.begin());
  }
  for (const ElfDynamicRelocation& r : image.elf->dynamic_relocations()) {
    if (r.offset + 8 <= sym->value || r.offset >= sym->value + size) continue;
    if (r.type != R_X86_64_RELATIVE || r.offset < sym->value || r.offset + 8 > sym->value + size) return std::nullopt;
    std::uint64_t word = image.bias + static_cast<std::uint64_t>(r.addend);
    std::memcpy(value.data() + (r.offset - sym->value), &word, sizeof word);
  }
  return value;
}

}  // namespace

Status resolve_migrations(LinkedPatch& patch, const Scope& scope, const RunningImage& image) {
  patch.migrations.clear();
  patch.migration_begin = transformer_address(patch, "hotswap_migration_begin");
  patch.migration_end = transformer_address(patch, "hotswap_migration_end");
  patch.migration_error = transformer_address(patch, "hotswap_migration_error");
  patch.migration_counts = transformer_address(patch, "hotswap_migration_counts");
  patch.migration_abort = transformer_address(patch, "hotswap_migration_abort");
  patch.migration_release_old = transformer_address(patch, "hotswap_migration_release_old");
  patch.migration_release_owned = transformer_address(patch, "hotswap_migration_release_owned");
  patch.migration_holds = transformer_address(patch, "hotswap_migration_holds");
  patch.migration_clear = transformer_address(patch, "hotswap_migration_clear");
  patch.migration_prepare = transformer_address(patch, "hotswap_migration_prepare");
  patch.migration_sizes = transformer_address(patch, "hotswap_migration_sizes");
  patch.migration_leaving_code = transformer_address(patch, "hotswap_migration_leaving_code");
  patch.migration_leaving_data = transformer_address(patch, "hotswap_migration_leaving_data");
  patch.migration_leaving_entries = transformer_address(patch, "hotswap_migration_leaving_entries");
  for (const ManifestMigration& g : patch.file.manifest.migrations) {
    Migration m;
    m.symbol = g.symbol;
    m.type = g.type;
    auto running = scope.find(g.symbol);
    if (!running || running->type != STT_OBJECT)
      return make_error("migrated datum " + datum_name(g.symbol) + " has no running instance");
    m.running = running->address;
    m.running_size = running->size;
    const ElfSymbol* mine = defined_in_patch(patch, g.symbol, false);
    if (!mine || patch.sections[mine->shndx].placement != Placement::kLoad)
      return make_error("migrated datum " + datum_name(g.symbol) + " is not carried by the patch");
    m.patched = patch.symbol_values[mine->index];
    m.patched_size = mine->size;
    // A constant has no state to move (and its memory cannot take it): the new release's
    // value is the value. (The running instance is written only by a revert, which checks.)
    if (patch.sections[mine->shndx].region != RegionKind::kData)
      return make_error("migrated datum " + datum_name(g.symbol) + " is read-only in the patch: a constant takes the "
                        "new value and needs no transformer");
    m.transformer = transformer_address(patch, g.transformer);
    if (!m.transformer)
      return make_error("the transformer " + g.transformer + " of " + datum_name(g.symbol) + " is not in the patch");
    m.inverse = transformer_address(patch, g.inverse);
    if (!g.inverse.empty() && !m.inverse)
      return make_error("the inverse transformer " + g.inverse + " of " + datum_name(g.symbol) + " is not in the patch");
    m.discard = transformer_address(patch, g.discard);
    if (g.transformer.rfind("hotswap_transform_", 0) == 0)
      m.note = transformer_address(patch, "hotswap_note_" + g.transformer.substr(sizeof("hotswap_transform_") - 1));
    if (!g.discard.empty() && !m.discard)
      return make_error("the discard function " + g.discard + " of " + datum_name(g.symbol) + " is not in the patch");
    if (g.symbol.name.rfind("_ZZ", 0) == 0) {  // a function-local static, and its guards
      // (none for one initialized by a constant: it exists from the start, like a global)
      SymbolRef guard{"_ZGV" + g.symbol.name.substr(2), g.symbol.file};
      if (auto running_guard = scope.find(guard); running_guard && running_guard->type == STT_OBJECT)
        m.running_guard = running_guard->address;
      if (const ElfSymbol* patched_guard = defined_in_patch(patch, guard, false)) {
        if (patch.sections[patched_guard->shndx].region != RegionKind::kData)
          return make_error("the guard of function-local static " + datum_name(g.symbol) + " is not writable data");
        m.patched_guard = patch.symbol_values[patched_guard->index];
      }
    }
    if (auto initial = initial_value(image, g.symbol, m.running, m.running_size)) {
      m.initial = std::move(*initial);
      m.initial_known = true;
    }
    patch.migrations.push_back(m);
  }
  return Status::success();
}

Status check_threads_for_migration(const LinkedPatch& patch, const Scope& scope, Direction direction,
                                   std::span<const quiescence::HeldThread> held, Clock::time_point deadline) {
  Replaced replaced = replaced_code(patch, scope, direction);
  auto replaced_name = [&replaced](std::uint64_t address) {
    for (std::size_t i = 0; i < replaced.ranges.size(); ++i)
      if (replaced.ranges[i].contains(address)) return replaced.names[i];
    return std::string("code the patch replaces");
  };

  // Going back: the patch's entries, which no thread may keep.
  PrivateArray<std::uint64_t> entries;
  if (direction == Direction::kInverse) {
    auto table = leaving_entries(patch);
    if (!table) return make_error("no memory for the table of the patch's functions: nothing changed");
    entries = std::move(*table);
  }

  // Held threads first: they stand still, and what is found will not go away by waiting.
  std::vector<CodeRange, ScrubbingAllocator<CodeRange>> moving;
  for (const Migration& m : patch.migrations) {
    if (direction == Direction::kForward) moving.push_back({m.running, m.running + std::max<std::uint64_t>(m.running_size, 1)});
    else moving.push_back({m.patched, m.patched + std::max<std::uint64_t>(m.patched_size, 1)});
  }
  auto moving_name = [&](std::uint64_t address) {
    for (std::size_t i = 0; i < moving.size(); ++i)
      if (moving[i].contains(address)) return datum_name(patch.migrations[i].symbol);
    return std::string("a datum that moves");
  };
  for (const quiescence::HeldThread& t : held) {
    std::string who = "thread " + std::to_string(t.tid);
    std::string where = t.idle ? "idle scope" : "update point";
    std::uint64_t found = 0;
    Scan pointers = points_into(t.sp, t.stack_end, moving, found);
    if (pointers == Scan::kClean && !t.registers.empty())
      pointers = points_into(reinterpret_cast<std::uint64_t>(t.registers.data()),
                             reinterpret_cast<std::uint64_t>(t.registers.data() + t.registers.size()), moving, found);
    if (pointers == Scan::kUnreadable)
      return make_error(who + ": its stack cannot be read at its " + where + ": nothing changed");
    if (pointers == Scan::kHit)
      return make_error(who + " holds a pointer to " + moving_name(found) + " at its " + where + ": nothing changed");
    // It goes on where it stopped: not in code that uses the old layout. Its return
    // addresses when it parked; in an idle scope, any word of its stack (conservative).
    if (t.frames_complete) {
      for (std::uint64_t ip : t.return_addresses)
        for (const CodeRange& r : replaced.ranges)
          if (r.contains(ip - 1))
            return make_error(who + " is at its " + where + " inside " + replaced_name(ip - 1) +
                              ", which the patch replaces: it would go on in the old code (put the update point "
                              "in a caller the patch does not change): nothing changed");
    } else if (points_into(t.sp, t.stack_end, replaced.ranges, found) == Scan::kHit) {
      return make_error(who + " is at its " + where + " inside " + replaced_name(found) +
                        ", which the patch replaces: it would go on in the old code: nothing changed");
    }
    // Going back, no word it keeps (a local holding a function's address, a register) may
    // lead into the patch's code either: the thread would call the new code after the revert.
    if (direction == Direction::kInverse) {
      Scan code = holds_entry(t.sp, t.stack_end, entries);
      if (code == Scan::kClean && !t.registers.empty())
        code = holds_entry(reinterpret_cast<std::uint64_t>(t.registers.data()),
                           reinterpret_cast<std::uint64_t>(t.registers.data() + t.registers.size()), entries);
      if (code == Scan::kUnreadable)
        return make_error(who + ": its stack cannot be read at its " + where + ": nothing changed");
      if (code == Scan::kHit)
        return make_error(who + " holds the address of a function in the patch's code at its " + where +
                          " (a function the new release added, or gave a new signature?): after the revert it "
                          "would call the new code: nothing changed");
    }
  }
  // The thread that asked, from where it called in: no pointer into what moves, and not
  // inside code the patch replaces (it would return into it). Its frames are known exactly
  // here, by unwinding; waiting would not change them.
  if (std::uint64_t frame = program_frame()) {
    quiescence::StackBounds stack = quiescence::calling_thread_stack();
    std::uint64_t found = 0, stack_end = stack.end;
    if (points_into(frame, stack_end, moving, found) == Scan::kHit)
      return make_error("the thread applying the patch holds a pointer to " + moving_name(found) + ": nothing changed");
    if (direction == Direction::kInverse && holds_entry(frame, stack_end, entries) == Scan::kHit)
      return make_error("the thread reverting the patch holds an address in the patch's code (a function the new "
                        "release added, or gave a new signature?): after the revert it would call the new code: "
                        "nothing changed");
    std::uint64_t frames[256];
    bool complete = false;
    std::size_t count = quiescence::calling_thread_return_addresses(frames, complete, stack);
    auto inside = [&](std::uint64_t address) {
      return make_error("the thread applying the patch is inside " + replaced_name(address) +
                        ", which the patch replaces: it would return into the old code: nothing changed");
    };
    for (std::size_t i = 0; i < count; ++i)
      for (const CodeRange& r : replaced.ranges)
        if (r.contains(frames[i] - 1)) return inside(frames[i] - 1);
    if (!complete && points_into(frame, stack_end, replaced.ranges, found) == Scan::kHit) return inside(found);
  }

  // Threads that take no part in updates: none may run the code being replaced.
  std::vector<pid_t> skip;
  for (const quiescence::HeldThread& t : held) skip.push_back(t.tid);
  for (;;) {
    SampleResult sample = sample_threads(replaced.ranges, {}, skip, /*skip_caller=*/true);
    std::set<std::string> running;
    for (std::size_t i = 0; i < sample.hits.size(); ++i)
      if (sample.hits[i]) running.insert(replaced.names[i]);
    if (running.empty() && sample.every_thread_seen) return Status::success();
    if (Clock::now() >= deadline) {
      if (running.empty())
        return make_error("a thread that takes no part in updates could not be seen (it blocks the runtime's "
                          "signal, or did not answer): nothing changed");
      std::string busy;
      for (const std::string& name : running)
        busy += (busy.empty() ? " " : ", ") + name + (name.find('(') == std::string::npos ? "()" : "");
      return make_error("a thread that takes no part in updates (no update_point, no idle_scope) is still running" +
                        busy +
                        ", which the patch replaces (a thread whose loop waits in a library, an event loop, "
                        "takes part once it waits inside an idle scope and reaches update points): nothing changed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

using Discard = void (*)(void* object, int patched);

// Gives up the instances the last migration half filled, after a failure: destroyed, or
// emptied with their objects left allocated, as the transform unit decided.
void discard_written(LinkedPatch& patch, Direction direction) {
  for (Migration& m : patch.migrations) {
    if (!m.ran || !m.discard) continue;
    bool forward = direction == Direction::kForward;
    // 2: the patch's instance after a forward migration failed; 4: the running one after a
    // revert's failed. Its moved members went back; the unit destroys the rest, or abandons
    // it where a destructor could release what the other instance still owns
    // (docs/patch-format.md).
    reinterpret_cast<Discard>(m.discard)(reinterpret_cast<void*>(forward ? m.patched : m.running), forward ? 2 : 4);
  }
}

void call(std::uint64_t function) {
  if (function) reinterpret_cast<void (*)()>(function)();
}

// The transform unit's reason for the last failure, "" if it gave none.
std::string migration_error(const LinkedPatch& patch) {
  if (!patch.migration_error) return "";
  const char* text = reinterpret_cast<const char* (*)()>(patch.migration_error)();
  return text ? text : "";
}

// After the transformers ran, with nothing redirected yet: the first held thread whose live
// stack holds the address of an old object the migration moved from (which goes once the
// update commits), as "thread 4242 holds a pointer to an old app::Session at its update
// point"; "" if none does. A stack that cannot be read counts as holding one. Conservative:
// any word that points into an old object counts. The applying thread is not scanned: the
// program answers for what it does after apply() (docs/type-updates.md).
std::string thread_holding_old_object(const LinkedPatch& patch, std::span<const quiescence::HeldThread> held) {
  if (!patch.migration_holds) return "";
  auto holds = reinterpret_cast<int (*)(const std::uint64_t*, std::size_t)>(patch.migration_holds);
  for (const quiescence::HeldThread& t : held) {
    std::string who = "thread " + std::to_string(t.tid);
    std::string where = t.idle ? "idle scope" : "update point";
    Scan scan = scan_words(t.sp, t.stack_end, [&](const std::uint64_t* words, std::size_t count) {
      return holds(words, count) != 0;
    });
    if (scan == Scan::kClean && !t.registers.empty() && holds(t.registers.data(), t.registers.size()) != 0)
      scan = Scan::kHit;
    if (scan == Scan::kUnreadable) return who + ": its stack cannot be read at its " + where;
    if (scan == Scan::kHit) {
      std::string what = migration_error(patch);
      return who + " holds a pointer to " + (what.empty() ? "an old object" : what) + " at its " + where +
             " (an update point promises none: the object goes once the update commits)";
    }
  }
  return "";
}

}  // namespace

void prepare_migration(const LinkedPatch& patch, const MigrationSizes& sizes) {
  if (patch.migration_prepare)
    reinterpret_cast<void (*)(const std::size_t*, std::size_t)>(patch.migration_prepare)(sizes.data(), sizes.size());
}

MigrationSizes migration_sizes(const LinkedPatch& patch) {
  MigrationSizes sizes{};
  if (patch.migration_sizes)
    reinterpret_cast<void (*)(std::size_t*, std::size_t)>(patch.migration_sizes)(sizes.data(), sizes.size());
  return sizes;
}

void drop_migration_tables(const LinkedPatch& patch) { call(patch.migration_clear); }

Status run_transformers(LinkedPatch& patch, Direction direction, std::span<const quiescence::HeldThread> held) {
  if (direction == Direction::kInverse)
    for (const Migration& m : patch.migrations)
      if (!writable(m.running, m.running + m.running_size))
        return make_error(datum_name(m.symbol) + " is read-only in the running program: its state cannot be moved "
                          "back: nothing changed");
  for (Migration& m : patch.migrations) m.ran = false;
  call(patch.migration_begin);
  // Going back, no function's entry may lead into the patch's code (a function the new
  // release added or gave a new signature): the old code would call it.
  if (direction == Direction::kInverse && patch.migration_leaving_code)
    reinterpret_cast<void (*)(std::uintptr_t, std::uintptr_t)>(patch.migration_leaving_code)(patch.text_begin,
                                                                                           patch.text_end);
  if (direction == Direction::kInverse && patch.migration_leaving_data)
    reinterpret_cast<void (*)(std::uintptr_t, std::uintptr_t, std::uintptr_t, std::uintptr_t)>(
        patch.migration_leaving_data)(patch.rodata_begin, patch.rodata_end, patch.data_begin, patch.data_end);
  // The exact entries, for as long as the transformers run (the unit forgets them after).
  using SetEntries = void (*)(const std::uintptr_t*, std::size_t);
  PrivateArray<std::uint64_t> entries;
  if (direction == Direction::kInverse && patch.migration_leaving_entries)
    if (auto table = leaving_entries(patch)) {  // else the unit falls back to the whole code
      entries = std::move(*table);
      reinterpret_cast<SetEntries>(patch.migration_leaving_entries)(entries.begin(), entries.size());
    }
  struct Forget {
    std::uint64_t set;
    ~Forget() {
      if (set) reinterpret_cast<SetEntries>(set)(nullptr, 0);
    }
  } forget{entries.empty() ? 0 : patch.migration_leaving_entries};
  // Undoes the session (members moved out go back), empties what was written, and ends it.
  auto fail = [&](std::string message) {
    std::string reason = migration_error(patch);
    discard_moved_to(patch, direction);
    if (!reason.empty()) message += " (" + reason + ")";
    return make_error(message + ": nothing changed");
  };
  // A datum left as it is (it held its initial value, or was never constructed): where it
  // is now, for pointers to it.
  auto note = [&](const Migration& m, bool forward) {
    if (!m.note) return;
    reinterpret_cast<void (*)(const void*, void*, int)>(m.note)(
        reinterpret_cast<const void*>(forward ? m.running : m.patched), reinterpret_cast<void*>(forward ? m.patched : m.running),
        forward ? 0 : 1);
  };
  for (Migration& m : patch.migrations) {
    bool forward = direction == Direction::kForward;
    // A function-local static the new code never reached holds nothing to move back; the
    // running one keeps what it had.
    if (!forward && m.patched_guard && *reinterpret_cast<const volatile unsigned char*>(m.patched_guard) == 0) {
      note(m, forward);
      continue;
    }
    if (forward) {
      m.took_initial = m.initial_known &&
                       std::memcmp(reinterpret_cast<const void*>(m.running), m.initial.data(), m.initial.size()) == 0;
      // A function-local static the old code never reached: the new code constructs its own.
      if (m.running_guard && *reinterpret_cast<const volatile unsigned char*>(m.running_guard) == 0) m.took_initial = true;
      if (m.took_initial) {
        note(m, forward);
        continue;
      }
    }
    auto fn = reinterpret_cast<Transformer>(forward ? m.transformer : m.inverse);
    const void* from = reinterpret_cast<const void*>(forward ? m.running : m.patched);
    void* to = reinterpret_cast<void*>(forward ? m.patched : m.running);
    std::string which = std::string(forward ? "the transformer" : "the inverse transformer") + " of " + datum_name(m.symbol);
    m.ran = true;
    try {
      if (int failed = fn(from, to)) return fail(which + " refused (returned " + std::to_string(failed) + ")");
    } catch (const std::exception& e) {
      return fail(which + " threw: " + e.what());
    } catch (...) {
      return fail(which + " threw an exception that is not a std::exception");
    }
  }
  // Pointers forwarded to objects migrated later are filled in now.
  if (patch.migration_end && reinterpret_cast<int (*)()>(patch.migration_end)() != 0)
    return fail("the migration could not forward every pointer");
  if (std::string holder = thread_holding_old_object(patch, held); !holder.empty()) {
    discard_moved_to(patch, direction);
    return make_error(holder + ": nothing changed");
  }
  patch.migrated_objects = patch.migration_counts
                               ? std::string(reinterpret_cast<const char* (*)()>(patch.migration_counts)())
                               : std::string();
  // Moved function-local statics count as constructed: the new code must not construct them
  // again over what moved in (diff moves only those whose bytes are their value).
  for (const Migration& m : patch.migrations) {
    if (direction == Direction::kForward && m.patched_guard && !m.took_initial)
      *reinterpret_cast<volatile unsigned char*>(m.patched_guard) = 1;
    if (direction == Direction::kInverse && m.running_guard && m.patched_guard &&
        *reinterpret_cast<const volatile unsigned char*>(m.patched_guard) != 0)
      *reinterpret_cast<volatile unsigned char*>(m.running_guard) = 1;
  }
  return Status::success();
}

namespace {

// The runtime's own data (namespace hotswap: its tables, its statics), which holds the
// patch's addresses on purpose until the revert wipes them.
bool runtime_datum(const std::string& name) {
  for (const char* prefix : {"_ZN7hotswap", "_ZZN7hotswap", "_ZZZN7hotswap", "_ZGVZN7hotswap", "_ZZNK7hotswap"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

// "app::on_close()", or "the patch's code at 0x..." when no symbol of the patch holds it.
std::string patch_function_at(const LinkedPatch& patch, std::uint64_t address) {
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.type != STT_FUNC || s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size()) continue;
    std::uint64_t at = patch.symbol_values[s.index];
    if (address >= at && address < at + std::max<std::uint64_t>(s.size, 1))
      return (address == at ? "the address of " : "an address inside ") + demangle(s.name);
  }
  return "an address in the patch's code";
}

}  // namespace

Status check_entries_left(const LinkedPatch& patch, const RuntimeState& state) {
  if (patch.text_begin == patch.text_end) return Status::success();
  auto table = leaving_entries(patch);
  constexpr std::size_t kChunk = 64 * 1024;  // bytes read per call
  PrivateArray<std::uint64_t> words(kChunk / 8);
  if (!table || !words.capacity()) return make_error("no memory for the table of the patch's functions: nothing changed");
  const PrivateArray<std::uint64_t>& entries = *table;
  // The first word of [begin, end) that is an entry into the patch (0 if none), a chunk at
  // a time. A page that cannot be read (one the program protected) is passed over: the old
  // code cannot call through it without faulting first. Memory that cannot be read at all
  // (the call is not allowed) fails the revert: nothing would have been looked at.
  bool unreadable = false;
  auto first_entry = [&](std::uint64_t begin, std::uint64_t end) -> std::uint64_t {
    pid_t self = getpid();
    for (std::uint64_t at = begin & ~std::uint64_t{7}; at < end && !unreadable;) {
      std::size_t bytes = std::min<std::uint64_t>(kChunk, end - at);
      iovec local{words.begin(), bytes}, remote{reinterpret_cast<void*>(at), bytes};
      ssize_t n = process_vm_readv(self, &local, 1, &remote, 1, 0);
      if (n <= 0) {
        if (errno != EFAULT) unreadable = true;
        at = (at | (kPageSize - 1)) + 1;  // the page that failed, passed over
        continue;
      }
      for (std::size_t i = 0; i < static_cast<std::size_t>(n) / 8; ++i)
        if (is_entry(entries, words[i])) return at + 8 * i;
      at += static_cast<std::uint64_t>(n);
    }
    return 0;
  };
  auto refuse = [&patch](const std::string& datum, std::uint64_t where) {
    std::uint64_t word = *reinterpret_cast<const std::uint64_t*>(where);
    return make_error(datum + " holds " + patch_function_at(patch, word) +
                      ", which the patch brought (a function the new release added, or gave a new signature): "
                      "after the revert the old release would call it: nothing changed");
  };
  // The executable's writable sections, a hit named by the symbol that holds it.
  const RunningImage& image = *state.image;
  for (const ElfSection& section : image.elf->sections()) {
    if (!(section.flags & SHF_ALLOC) || !(section.flags & SHF_WRITE) || (section.flags & SHF_TLS) || !section.size)
      continue;
    std::uint64_t begin = image.bias + section.addr, end = begin + section.size;
    while (begin < end) {
      std::uint64_t where = first_entry(begin, end);
      if (!where) break;
      begin = where + 8;
      const ElfSymbol* holder = nullptr;
      for (const ElfSymbol& s : image.elf->symbols())
        if (s.type == STT_OBJECT && s.shndx == section.index && where >= image.address_of(s) &&
            where < image.address_of(s) + s.size)
          holder = &s;
      if (holder && runtime_datum(holder->name)) continue;
      return refuse(holder ? datum_name(identity_of(*holder))
                           : "the word at " + section.name + "+" + std::to_string(where - image.bias - section.addr),
                    where);
    }
  }
  // The calling thread's own thread-locals of the executable (another thread's are on its
  // stack's mapping, which the held threads' scan reads).
  if (image.has_tls) {
    for (const ElfSymbol& s : image.elf->symbols()) {
      if (s.type != STT_TLS || s.size < 8 || runtime_datum(s.name)) continue;
      std::uint64_t at = reinterpret_cast<std::uint64_t>(__builtin_thread_pointer()) + image.address_of(s);
      if (std::uint64_t where = first_entry(at, at + s.size))
        return refuse(datum_name(identity_of(s)) + " (this thread's)", where);
    }
  }
  // The new data of the patches below it.
  for (const auto& below : state.applied) {
    if (below.get() == &patch) continue;
    for (const auto& [key, d] : below->exports)
      if (d.type == STT_OBJECT && d.size >= 8)
        if (std::uint64_t where = first_entry(d.address, d.address + d.size))
          return refuse(datum_name(SymbolRef{key.second, key.first}), where);
  }
  if (unreadable) return make_error("the program's memory cannot be read here: nothing changed");
  return Status::success();
}

void discard_before_switch_back(LinkedPatch& patch) {
  call(patch.migration_release_old);
  for (Migration& m : patch.migrations)
    if (m.ran && m.discard) reinterpret_cast<Discard>(m.discard)(reinterpret_cast<void*>(m.patched), 3);
}

void discard_moved_from(LinkedPatch& patch, Direction direction) {
  // Old shared owners of changed types are forgotten first: whatever destroys the old
  // objects (here, a revert's transformer, an exit destructor) must not release them.
  call(patch.migration_release_old);
  for (Migration& m : patch.migrations) {
    if (!m.ran || !m.discard) continue;
    bool forward = direction == Direction::kForward;
    reinterpret_cast<Discard>(m.discard)(reinterpret_cast<void*>(forward ? m.running : m.patched), forward ? 0 : 1);
  }
  // Then the objects raw pointers owned (hotswap::migrate_once), once nothing that was
  // destroyed above can still reach them.
  call(patch.migration_release_owned);
  call(patch.migration_clear);
}

void discard_moved_to(LinkedPatch& patch, Direction direction) {
  call(patch.migration_abort);
  discard_written(patch, direction);
  call(patch.migration_clear);
}

std::string run_after_update_hooks(const LinkedPatch& patch) {
  constexpr std::string_view kPrefix = "hotswap_after_update_";
  std::string warning;
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.type != STT_FUNC || s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size() || s.bind != STB_GLOBAL ||
        s.name.compare(0, kPrefix.size(), kPrefix) != 0)
      continue;
    std::uint64_t address = patch.symbol_values[s.index];
    if (!address) continue;
    try {
      reinterpret_cast<void (*)()>(address)();
    } catch (const std::exception& e) {
      warning += (warning.empty() ? "" : "; ") + s.name + " threw: " + e.what();
    } catch (...) {
      warning += (warning.empty() ? "" : "; ") + s.name + " threw an exception that is not a std::exception";
    }
  }
  return warning;
}

std::string describe_migrations(const LinkedPatch& patch) {
  std::string out;
  for (const Migration& m : patch.migrations) {
    if (!out.empty()) out += ", ";
    out += datum_name(m.symbol) + " (" + (m.type.empty() ? "" : m.type + ", ") + std::to_string(m.running_size) + " -> " +
           std::to_string(m.patched_size) + " bytes" + (m.took_initial ? ", never written: the new initial value" : "") +
           ")";
  }
  if (!patch.migrated_objects.empty()) out += "; objects: " + patch.migrated_objects;
  return out;
}

}  // namespace hotswap
