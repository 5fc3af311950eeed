#include "runtime/reclaim.h"

#include <elf.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "runtime/eh_frame.h"
#include "runtime/private_memory.h"
#include "runtime/proc_maps.h"
#include "runtime/thread_sampler.h"

namespace hotswap {
namespace {

// Writable memory larger than this is not scanned: running threads stay parked while it
// is (about 0.3 ms per MiB and pass), and a patch's few pages are not worth a long pause.
// $HOTSWAP_RECLAIM_SCAN_LIMIT_MB, read once, sets another limit (0: never reclaim).
std::uint64_t max_scanned_bytes() {
  static const std::uint64_t limit = [] {
    const char* mb = std::getenv("HOTSWAP_RECLAIM_SCAN_LIMIT_MB");
    return (mb && *mb ? std::strtoull(mb, nullptr, 10) : 64) << 20;
  }();
  return limit;
}
constexpr int kAttempts = 2;
constexpr std::uint64_t kRedZone = 128;  // a function may keep data just below its stack pointer

std::uint64_t hide(std::uint64_t a) { return ~a; }
std::uint64_t reveal(std::uint64_t h) { return ~h; }

template <class Map>
void zero_values(Map& m) {
  for (auto& [key, value] : m) value = {};
}

// The runtime's own records must not keep the patch's addresses alive: every one is
// overwritten before the memory holding it goes back to malloc.
void scrub(LinkedPatch& p) {
  for (auto* v : {&p.symbol_values, &p.init_shadow_values, &p.canonical_values, &p.init_functions})
    std::fill(v->begin(), v->end(), 0);
  for (SectionPlan& s : p.sections) s.address = s.shadow = s.canonical_base = 0;
  zero_values(p.got_slots);
  zero_values(p.plt_stubs);
  std::fill(p.redirect_slots.begin(), p.redirect_slots.end(), nullptr);
  for (Redirect& r : p.redirects) r = Redirect{};
  for (auto& [key, d] : p.exports) d.address = 0;
  p.text_begin = p.text_end = p.rodata_begin = p.rodata_end = p.data_begin = p.data_end = 0;
  p.plt_slots = p.got_base = p.eh_frame = p.frame_object = 0;
  p.memory = {};
}

bool signal_handler_inside(const RetiredPatch& r) {
  std::uint64_t base = reveal(r.hidden_base);
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction a{};
    if (sigaction(sig, nullptr, &a) != 0) continue;
    auto handler = (a.sa_flags & SA_SIGINFO) ? reinterpret_cast<std::uint64_t>(a.sa_sigaction)
                                             : reinterpret_cast<std::uint64_t>(a.sa_handler);
    if (handler >= base && handler < base + r.size) return true;
  }
  return false;
}

// Where scanning must look: a piece of a candidate's memory, and whose it is.
struct Target {
  std::uint64_t begin = 0, end = 0;
  std::size_t owner = 0;  // index into the candidates
};

// Scans the process's writable memory for words pointing into the candidates. Every table
// it keeps is private memory (private_memory.h), which the scan skips.
class Scanner {
 public:
  explicit Scanner(std::span<RetiredPatch* const> candidates)
      : candidates_(candidates), targets_(3 * candidates.size()), buffer_(8192), excluded_(2 * kMaxPrivateRanges) {
    for (std::size_t i = 0; i < candidates.size(); ++i) add_targets(i);
    std::sort(targets_.begin(), targets_.end(), [](const Target& a, const Target& b) { return a.begin < b.begin; });
    for (const Target& t : targets_) lowest_ = std::min(lowest_, t.begin), highest_ = std::max(highest_, t.end);
    hits_.assign(candidates.size(), false);
  }

  // Runs with the world held: nothing here uses the heap (whose lock a parked thread may
  // hold); the mappings are read into private memory.
  void scan(const SampleResult& sample) {
    complete_ = false;
    std::fill(hits_.begin(), hits_.end(), false);
    PrivateArray<Mapping> mappings = read_mappings();
    PrivateArray<Mapping> parts(mappings.size());  // what of each mapping is scanned
    if (mappings.empty() || !parts.capacity()) return;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < mappings.size(); ++i) {
      const Mapping& m = mappings[i];
      if (!scanned(m)) continue;
      // A thread stack the C library mapped has a guard mapping (no access) right below it.
      const Mapping* below = i ? &mappings[i - 1] : nullptr;
      bool guarded = below && below->end == m.begin && !below->readable && !below->writable;
      Mapping part = m;
      part.begin = live_start(m, guarded, sample);
      if (part.begin >= part.end) continue;
      total += part.end - part.begin;
      parts.push_back(part);
    }
    if (total > max_scanned_bytes()) return;
    // A handler the program installed since the first look is a pointer only the kernel holds.
    for (std::size_t i = 0; i < candidates_.size(); ++i)
      if (signal_handler_inside(*candidates_[i])) hits_[i] = true;
    std::size_t private_count = private_ranges(std::span(excluded_.begin(), excluded_.capacity()));
    for (const Mapping& part : parts) scan_outside_private(part.begin, part.end, private_count);
    complete_ = true;
  }

  bool complete() const { return complete_; }
  bool hit(std::size_t candidate) const { return hits_[candidate]; }

 private:
  static constexpr std::size_t kMaxPrivateRanges = 256;

  // Where the program can keep a pointer: writable memory, and anonymous memory it may have
  // made read-only once filled; devices aside.
  static bool scanned(const Mapping& m) { return m.readable && !m.device && (m.writable || m.anonymous); }

  // Where the live part of a mapping begins. Below the stack pointer of a thread whose own
  // stack the whole mapping is lie dead frames, but for the red zone: the initial thread's
  // stack, or a mapping with a guard below it that holds the thread's TLS block, as the C
  // library lays out the threads it starts. Any other mapping that holds a stack pointer
  // (a fiber's stack carved from the heap, a stack the program gave pthread_create inside
  // its heap) is scanned whole. On this thread's own stack, the runtime's frames below the
  // program's are skipped too.
  static std::uint64_t live_start(const Mapping& m, bool guarded, const SampleResult& sample) {
    auto inside = [&m](std::uint64_t a) { return a >= m.begin && a < m.end; };
    auto own_stack = [&](std::uint64_t thread_pointer) { return m.main_stack || (guarded && inside(thread_pointer)); };
    std::uint64_t start = UINT64_MAX;
    for (const ThreadSample& t : sample.threads)
      if (inside(t.sp) && own_stack(t.thread_pointer)) start = std::min(start, t.sp - kRedZone);
    auto here = reinterpret_cast<std::uint64_t>(&start);
    if (inside(here) && own_stack(reinterpret_cast<std::uint64_t>(__builtin_thread_pointer()))) {
      // A thread that is all runtime (the control plane's) has no program frames at all.
      std::uint64_t frame = program_frame();
      start = std::min(start, inside(frame) ? frame : m.end);
    }
    return start == UINT64_MAX ? m.begin : std::max(start & ~std::uint64_t{7}, m.begin);
  }

  void add_targets(std::size_t i) {
    const RetiredPatch& r = *candidates_[i];
    std::uint64_t base = reveal(r.hidden_base), end = base + r.size;
    // The unwinder's own structures point at the table and at its record: those are not
    // the program's pointers.
    std::pair<std::uint64_t, std::uint64_t> holes[2] = {};
    if (r.hidden_eh_frame) {
      holes[0] = {reveal(r.hidden_eh_frame), reveal(r.hidden_eh_frame) + r.eh_frame_size + 4};
      holes[1] = {reveal(r.hidden_frame_object), reveal(r.hidden_frame_object) + kFrameObjectBytes};
      if (holes[1] < holes[0]) std::swap(holes[0], holes[1]);
    }
    std::uint64_t at = base;
    for (auto [lo, hi] : holes) {
      if (lo == 0) continue;
      if (lo > at) targets_.push_back({at, lo, i});
      at = std::max(at, hi);
    }
    if (at < end) targets_.push_back({at, end, i});
  }

  void scan_outside_private(std::uint64_t from, std::uint64_t to, std::size_t private_count) {
    while (from < to) {
      std::uint64_t stop = to, resume = to;
      for (std::size_t i = 0; i < private_count; ++i) {
        std::uint64_t lo = excluded_[2 * i], hi = excluded_[2 * i + 1];
        if (hi > from && lo < stop) stop = std::max(lo, from), resume = hi;
      }
      scan_range(from, stop);
      from = std::max(resume, stop);
    }
  }

  void scan_range(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t at = from; at < to;) {
      std::size_t bytes = std::min<std::uint64_t>(buffer_.capacity() * 8, to - at);
      iovec local{buffer_.begin(), bytes}, remote{reinterpret_cast<void*>(at), bytes};
      ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
      if (n <= 0) {
        at += 4096;  // an unreadable page (a file mapping past its end): skip it
        continue;
      }
      for (std::size_t i = 0; i < static_cast<std::size_t>(n) / 8; ++i) check(at + 8 * i, buffer_.begin()[i]);
      at += static_cast<std::uint64_t>(n);
    }
  }

  void check(std::uint64_t where, std::uint64_t word) {
    if (word < lowest_ || word >= highest_) return;  // almost every word: one comparison
    auto it = std::upper_bound(targets_.begin(), targets_.end(), word,
                               [](std::uint64_t w, const Target& t) { return w < t.begin; });
    if (it == targets_.begin() || word >= std::prev(it)->end) return;
    std::size_t owner = std::prev(it)->owner;
    const RetiredPatch& r = *candidates_[owner];
    std::uint64_t base = reveal(r.hidden_base);
    if (where >= base && where < base + r.size) return;  // the patch's own memory
    hits_[owner] = true;
  }

  std::span<RetiredPatch* const> candidates_;
  PrivateArray<Target> targets_;
  PrivateArray<std::uint64_t> buffer_;
  PrivateArray<std::uint64_t> excluded_;
  std::vector<bool> hits_;
  std::uint64_t lowest_ = UINT64_MAX, highest_ = 0;
  bool complete_ = false;
};


}  // namespace

ReclaimMode reclaim_mode() {
  static const ReclaimMode mode = [] {
    const char* value = std::getenv("HOTSWAP_RECLAIM");
    return value && std::strcmp(value, "scan") == 0 ? ReclaimMode::kScan : ReclaimMode::kReuse;
  }();
  return mode;
}

// Whether the patch's code may register a function with the C library for later, which
// keeps it mangled where no scan recognises it.
bool registers_exit_handlers(const LinkedPatch& patch) {
  for (const ElfSymbol& s : patch.file.elf->symbols())
    if (s.shndx == SHN_UNDEF && (s.name == "atexit" || s.name == "at_quick_exit" || s.name == "on_exit" ||
                                 s.name == "__cxa_atexit" || s.name == "__cxa_thread_atexit" ||
                                 s.name == "__cxa_thread_atexit_impl"))
      return true;
  return false;
}

RetiredPatch retire(LinkedPatch& patch) {
  RetiredPatch r;
  r.hidden_base = hide(reinterpret_cast<std::uint64_t>(patch.memory.base));
  r.size = patch.memory.size;
  if (patch.eh_frame_registered) {
    r.hidden_eh_frame = hide(patch.eh_frame);
    r.eh_frame_size = patch.eh_frame_size;
    r.hidden_frame_object = hide(patch.frame_object);
  }
  for (const Redirect& redirect : patch.redirects)
    if (!redirect.previous_target) r.hidden_pads.push_back(hide(redirect.entry));
  r.pinned = patch.initializers_ran || !patch.memory.base || registers_exit_handlers(patch);
  r.serial = patch.serial;
  r.chain_below = patch.chain_below;
  scrub(patch);
  return r;
}

std::uint64_t reclaim(std::vector<RetiredPatch>& retired, const std::vector<std::vector<std::uint64_t>>& applied_chains) {
  if (max_scanned_bytes() == 0) return 0;
  auto linked_on_top = [&](const RetiredPatch& r) {
    auto has = [&r](const std::vector<std::uint64_t>& chain) {
      return std::find(chain.begin(), chain.end(), r.serial) != chain.end();
    };
    for (const auto& chain : applied_chains)
      if (has(chain)) return true;
    for (const RetiredPatch& other : retired)
      if (&other != &r && other.size && has(other.chain_below)) return true;
    return false;
  };
  std::vector<RetiredPatch*> candidates;
  for (RetiredPatch& r : retired)
    if (!r.pinned && !linked_on_top(r) && !signal_handler_inside(r)) candidates.push_back(&r);
  if (candidates.empty()) return 0;

  // A thread may still run the code, return into it, or sit on a jump pad about to read a
  // slot in it.
  std::size_t count = 0;
  for (RetiredPatch* r : candidates) count += 1 + r->hidden_pads.size();
  PrivateArray<CodeRange> ranges(count);
  std::vector<std::size_t> owner;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    std::uint64_t base = reveal(candidates[i]->hidden_base);
    ranges.push_back({base, base + candidates[i]->size});
    owner.push_back(i);
    for (std::uint64_t pad : candidates[i]->hidden_pads) {
      ranges.push_back({reveal(pad) - 6, reveal(pad) + 2});
      owner.push_back(i);
    }
  }
  if (ranges.size() != count) return 0;  // no private memory for the tables
  std::span<const CodeRange> looked_for(ranges.begin(), ranges.size());
  auto reachable_from = [&](const SampleResult& sample, const Scanner& scanner) {
    std::vector<bool> reachable(candidates.size(), false);
    for (std::size_t i = 0; i < candidates.size(); ++i) reachable[i] = scanner.hit(i);
    for (std::size_t i = 0; i < ranges.size(); ++i)
      if (sample.hits[i]) reachable[owner[i]] = true;
    return reachable;
  };

  // First a look without stopping anyone: when every candidate is visibly still in use,
  // holding the world (which interrupts blocked calls) would be for nothing.
  Scanner scanner(candidates);
  SampleResult sample = sample_threads(looked_for);
  scanner.scan(sample);
  if (!scanner.complete()) return 0;  // memory beyond the scan limit: holding would be for nothing
  std::vector<bool> reachable = reachable_from(sample, scanner);
  if (std::all_of(reachable.begin(), reachable.end(), [](bool r) { return r; })) return 0;

  // Then the answer that counts, with every thread held. A thread that starts meanwhile
  // spoils it; that is brief, so a second try usually finds a still moment.
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    sample = sample_threads(looked_for, [&scanner](const SampleResult& s) { scanner.scan(s); });
    if (sample.world_held && scanner.complete()) break;
  }
  if (!sample.world_held || !scanner.complete()) return 0;
  reachable = reachable_from(sample, scanner);

  std::uint64_t freed = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (reachable[i] || scanner.hit(i)) continue;
    RetiredPatch& r = *candidates[i];
    if (r.hidden_eh_frame) deregister_unwind_table(reveal(r.hidden_eh_frame));
    unmap_region({reinterpret_cast<unsigned char*>(reveal(r.hidden_base)), r.size});
    freed += r.size;
    r.size = 0;  // marks it for removal
  }
  std::erase_if(retired, [](const RetiredPatch& r) { return r.size == 0 && !r.pinned; });
  return freed;
}

}  // namespace hotswap
