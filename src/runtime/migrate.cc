#include "runtime/migrate.h"

#include <elf.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <exception>
#include <thread>

#include "common/symbol_index.h"
#include "runtime/private_memory.h"
#include "runtime/thread_sampler.h"

namespace hotswap {
namespace {

using Clock = std::chrono::steady_clock;
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

// Whether any word of [begin, end) of the calling process points into one of `ranges`;
// read with process_vm_readv, which fails on an unmapped page instead of faulting.
bool points_into(std::uint64_t begin, std::uint64_t end, std::span<const CodeRange> ranges, std::uint64_t& found) {
  std::uint64_t words[64];
  pid_t self = getpid();
  for (std::uint64_t at = begin & ~std::uint64_t{7}; at < end;) {
    std::size_t bytes = std::min<std::uint64_t>(sizeof words, end - at);
    iovec local{words, bytes}, remote{reinterpret_cast<void*>(at), bytes};
    ssize_t n = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (n <= 0) return false;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / 8; ++i)
      for (const CodeRange& r : ranges)
        if (r.contains(words[i])) {
          found = words[i];
          return true;
        }
    at += static_cast<std::uint64_t>(n);
  }
  return false;
}

// The code a thread must not be in while the state moves, with the function each range is.
struct Replaced {
  std::vector<CodeRange> ranges;
  std::vector<std::string> names;
};

Replaced replaced_code(const LinkedPatch& patch, const Scope& scope, Direction direction) {
  Replaced out;
  if (direction == Direction::kInverse) {  // the patch's own code goes back
    out.ranges.push_back({patch.text_begin, patch.text_end});
    out.names.push_back("code of the patch");
    return out;
  }
  for (const ManifestFunction& f : patch.file.manifest.functions) {
    if (!patch.changed.count(key_of(f.symbol))) continue;
    for (auto [address, size] : scope.copies(f.symbol))
      if (size) {
        out.ranges.push_back({address, address + size});
        out.names.push_back(f.symbol.display());
      }
  }
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
  for (const ManifestMigration& g : patch.file.manifest.migrations) {
    Migration m;
    m.symbol = g.symbol;
    m.type = g.type;
    auto running = scope.find(g.symbol);
    if (!running || running->type != STT_OBJECT)
      return make_error("migrated datum " + g.symbol.display() + " has no running instance");
    m.running = running->address;
    m.running_size = running->size;
    const ElfSymbol* mine = defined_in_patch(patch, g.symbol, false);
    if (!mine || patch.sections[mine->shndx].placement != Placement::kLoad)
      return make_error("migrated datum " + g.symbol.display() + " is not carried by the patch");
    m.patched = patch.symbol_values[mine->index];
    m.patched_size = mine->size;
    m.transformer = transformer_address(patch, g.transformer);
    if (!m.transformer)
      return make_error("the transformer " + g.transformer + " of " + g.symbol.display() + " is not in the patch");
    m.inverse = transformer_address(patch, g.inverse);
    if (!g.inverse.empty() && !m.inverse)
      return make_error("the inverse transformer " + g.inverse + " of " + g.symbol.display() + " is not in the patch");
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
  // Held threads first: their stacks stand still, and a hit will not go away by waiting.
  std::vector<CodeRange> moving;
  for (const Migration& m : patch.migrations) {
    if (direction == Direction::kForward) moving.push_back({m.running, m.running + std::max<std::uint64_t>(m.running_size, 1)});
    else moving.push_back({m.patched, m.patched + std::max<std::uint64_t>(m.patched_size, 1)});
  }
  for (const quiescence::HeldThread& t : held) {
    std::uint64_t found = 0;
    if (!t.stack_end || !points_into(t.sp, t.stack_end, moving, found)) continue;
    std::string what;
    for (std::size_t i = 0; i < moving.size(); ++i)
      if (moving[i].contains(found)) what = patch.migrations[i].symbol.display();
    return make_error("thread " + std::to_string(t.tid) + " holds a pointer to " + what + " at its " +
                      (t.idle ? "idle scope" : "update point") + ": nothing changed");
  }

  // Threads that take no part in updates: none may run the code being replaced.
  Replaced replaced = replaced_code(patch, scope, direction);
  std::vector<pid_t> skip;
  for (const quiescence::HeldThread& t : held) skip.push_back(t.tid);
  for (;;) {
    SampleResult sample = sample_threads(replaced.ranges, {}, skip);
    std::string busy;
    for (std::size_t i = 0; i < sample.hits.size(); ++i)
      if (sample.hits[i] && busy.find(replaced.names[i]) == std::string::npos) busy += " " + replaced.names[i];
    if (busy.empty()) return Status::success();
    if (Clock::now() >= deadline)
      return make_error("a thread that takes no part in updates (no update_point, no idle_scope) is still running" +
                        busy + ": nothing changed");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status run_transformers(LinkedPatch& patch, Direction direction) {
  for (Migration& m : patch.migrations) {
    bool forward = direction == Direction::kForward;
    if (forward) {
      m.took_initial = m.initial_known &&
                       std::memcmp(reinterpret_cast<const void*>(m.running), m.initial.data(), m.initial.size()) == 0;
      if (m.took_initial) continue;
    }
    auto fn = reinterpret_cast<Transformer>(forward ? m.transformer : m.inverse);
    const void* from = reinterpret_cast<const void*>(forward ? m.running : m.patched);
    void* to = reinterpret_cast<void*>(forward ? m.patched : m.running);
    std::string which = std::string(forward ? "the transformer" : "the inverse transformer") + " of " + m.symbol.display();
    try {
      if (int failed = fn(from, to))
        return make_error(which + " refused (returned " + std::to_string(failed) + "): nothing changed");
    } catch (const std::exception& e) {
      return make_error(which + " threw: " + e.what() + ": nothing changed");
    } catch (...) {
      return make_error(which + " threw an exception that is not a std::exception: nothing changed");
    }
  }
  return Status::success();
}

std::string describe_migrations(const LinkedPatch& patch) {
  std::string out;
  for (const Migration& m : patch.migrations) {
    if (!out.empty()) out += ", ";
    out += m.symbol.display() + " (" + (m.type.empty() ? "" : m.type + ", ") + std::to_string(m.running_size) + " -> " +
           std::to_string(m.patched_size) + " bytes" + (m.took_initial ? ", never written: the new initial value" : "") +
           ")";
  }
  return out;
}

}  // namespace hotswap
