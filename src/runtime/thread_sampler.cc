#include "runtime/thread_sampler.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/private_memory.h"
#include "runtime/proc_maps.h"

namespace hotswap {
namespace {

constexpr std::uint64_t kMaxScanBytes = 512 * 1024;
constexpr auto kAnswerTimeout = std::chrono::milliseconds(100);
constexpr long kParkTimeoutNs = 500L * 1000 * 1000;

thread_local const ProgramFrame* t_program_frame = nullptr;

// The red zone: a function may keep data below its stack pointer, up to 128 bytes.
constexpr std::uint64_t kRedZone = 128;

// What one sampling shares with the signal handlers. The handler reads the tables and
// writes only the atomics; the controller frees it only when no handler can hold it.
// Its address tables live in private memory (private_memory.h).
struct Sampling {
  PrivateArray<CodeRange> ranges;    // disjoint, sorted: each the union of the caller's ranges it covers
  PrivateArray<CodeRange> mappings;  // readable and writable mappings, sorted: where stacks lie
  std::vector<pid_t> tids;          // the threads signaled, sorted
  std::unique_ptr<std::atomic<bool>[]> hits;           // by range
  std::unique_ptr<std::atomic<bool>[]> answered;       // by thread
  std::unique_ptr<std::atomic<std::uint64_t>[]> sps;   // by thread
  std::unique_ptr<std::atomic<std::uint64_t>[]> tps;   // by thread: thread pointers
  bool park = false;
  std::atomic<std::uint32_t> release{0};  // futex word: parked handlers return once it is 1
  std::atomic<bool> escaped{false};       // a parked handler stopped waiting
  std::atomic<bool> partial{false};       // a thread was on its signal stack: its own stack unseen
};

// The runtime's own threads (RuntimeThread), by thread id; 0 is a free entry.
constexpr std::size_t kMaxRuntimeThreads = 64;
std::atomic<pid_t> g_runtime_threads[kMaxRuntimeThreads];

bool is_runtime_thread(pid_t tid) {
  for (const auto& t : g_runtime_threads)
    if (t.load(std::memory_order_acquire) == tid) return true;
  return false;
}

std::atomic<Sampling*> g_sampling{nullptr};
std::atomic<int> g_handlers_inside{0};
std::mutex g_mu;                   // one sampling at a time; guards g_withdrawn
std::vector<Sampling*> g_withdrawn;  // withdrawn while a handler was inside: freed later

void mark(Sampling& s, std::uint64_t word) {
  auto it = std::upper_bound(s.ranges.begin(), s.ranges.end(), word,
                             [](std::uint64_t w, const CodeRange& r) { return w < r.begin; });
  if (it != s.ranges.begin() && std::prev(it)->contains(word))
    s.hits[std::prev(it) - s.ranges.begin()].store(true, std::memory_order_relaxed);
}

// The end of the live stack that begins at sp: the end of the mapping holding it (or of
// the first one above, for a main-thread stack that grew since the mappings were read).
// A report looks at most kMaxScanBytes deep; reclamation (`whole`) at all of it, since a
// frame deep in the stack returns into its code as surely as the top one.
std::uint64_t stack_end(const PrivateArray<CodeRange>& mappings, std::uint64_t sp, bool whole) {
  auto it = std::upper_bound(mappings.begin(), mappings.end(), sp,
                             [](std::uint64_t v, const CodeRange& r) { return v < r.end; });
  std::uint64_t limit = whole ? UINT64_MAX : sp + kMaxScanBytes;
  return it == mappings.end() ? std::min(limit, sp + kMaxScanBytes) : std::min(it->end, limit);
}

// Marks every word of [sp, stack_end) it can read. Async-signal-safe, allocates nothing:
// the words are copied with process_vm_readv, which fails on an unmapped page instead of
// faulting (a thread may be reading another thread's stack, or a guess of where it ends).
void scan_stack(Sampling& s, std::uint64_t sp) {
  std::uint64_t words[32];  // small: the handler may run on a fiber's small stack
  auto self = static_cast<pid_t>(syscall(SYS_getpid));
  std::uint64_t end = stack_end(s.mappings, sp, s.park);
  for (std::uint64_t at = sp & ~std::uint64_t{7}; at < end;) {
    std::size_t bytes = std::min<std::uint64_t>(sizeof words, end - at);
    iovec local{words, bytes}, remote{reinterpret_cast<void*>(at), bytes};
    ssize_t n = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (n <= 0) return;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / 8; ++i) mark(s, words[i]);
    at += static_cast<std::uint64_t>(n);
  }
}

void wait_for_release(Sampling& s) {
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (s.release.load(std::memory_order_acquire) == 0) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long waited = (now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec);
    if (waited >= kParkTimeoutNs) {
      s.escaped.store(true, std::memory_order_release);
      return;
    }
    timespec left{0, kParkTimeoutNs - waited};
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&s.release), FUTEX_WAIT_PRIVATE, 0, &left, nullptr, 0);
  }
}

// Vector registers can hold pointers too (a 16- or 32-byte object being copied): the XMM
// registers, and the upper halves of the YMM registers when the kernel saved them (the
// signal frame's XSAVE area, standard format: YMM_Hi128 at byte 576). ZMM registers
// beyond are not looked at.
void mark_vector_registers(Sampling& s, const ucontext_t* uc) {
  const auto* fp = reinterpret_cast<const unsigned char*>(uc->uc_mcontext.fpregs);
  if (!fp) return;
  auto word = [fp](std::size_t offset) {
    std::uint64_t w;
    std::memcpy(&w, fp + offset, 8);
    return w;
  };
  for (std::size_t i = 0; i < 32; ++i) mark(s, word(160 + 8 * i));  // _xmm[16], from byte 160
  std::uint32_t magic;
  std::memcpy(&magic, fp + 464, 4);  // sw_reserved: magic1 says an XSAVE area follows
  if (magic != 0x46505853) return;   // FP_XSTATE_MAGIC1
  std::uint64_t present = word(512);  // the XSAVE header's XSTATE_BV
  if (present & 4)
    for (std::size_t i = 0; i < 32; ++i) mark(s, word(576 + 8 * i));
}

void on_signal(int, siginfo_t*, void* context) {
  int saved_errno = errno;
  g_handlers_inside.fetch_add(1, std::memory_order_seq_cst);
  if (Sampling* s = g_sampling.load(std::memory_order_seq_cst)) {
    const auto* uc = static_cast<ucontext_t*>(context);
    const auto& regs = uc->uc_mcontext.gregs;
    for (int r = 0; r < NGREG; ++r) mark(*s, static_cast<std::uint64_t>(regs[r]));
    mark_vector_registers(*s, uc);
    auto sp = static_cast<std::uint64_t>(regs[REG_RSP]);
    // Interrupted inside a handler running on an alternate signal stack: the frames below
    // it are on the thread's own stack, which sp does not lead to.
    stack_t alternate{};
    if (sigaltstack(nullptr, &alternate) == 0 && (alternate.ss_flags & SS_ONSTACK))
      s->partial.store(true, std::memory_order_relaxed);
    scan_stack(*s, sp - kRedZone);  // the kernel left the interrupted code's red zone alone
    auto tid = static_cast<pid_t>(syscall(SYS_gettid));
    auto me = std::lower_bound(s->tids.begin(), s->tids.end(), tid);
    if (me != s->tids.end() && *me == tid) {
      std::size_t i = me - s->tids.begin();
      s->sps[i].store(sp, std::memory_order_relaxed);
      s->tps[i].store(reinterpret_cast<std::uint64_t>(__builtin_thread_pointer()), std::memory_order_relaxed);
      s->answered[i].store(true, std::memory_order_release);
      if (s->park) wait_for_release(*s);
    }
  }
  g_handlers_inside.fetch_sub(1, std::memory_order_seq_cst);
  errno = saved_errno;
}

std::string read_small_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

PrivateArray<CodeRange> writable_mappings() {
  PrivateArray<Mapping> all = read_mappings();
  PrivateArray<CodeRange> out(all.size());
  for (const Mapping& m : all)
    if (m.readable && m.writable) out.push_back({m.begin, m.end});
  return out;
}

std::vector<pid_t> other_threads() {
  std::vector<pid_t> out;
  auto self = static_cast<pid_t>(syscall(SYS_gettid));
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      auto tid = static_cast<pid_t>(std::atoi(e->d_name));
      if (e->d_name[0] != '.' && tid != self && !is_runtime_thread(tid)) out.push_back(tid);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A thread asleep in the kernel: /proc shows "NR args... SP PC" (or "-1 SP PC" outside a
// system call); a running one shows "running".
struct Blocked {
  pid_t tid = 0;
  std::uint64_t sp = 0, pc = 0;
};

// Whether every thread but this one and the runtime's is in `known` (sorted), read from
// /proc/self/task without allocating (threads may be parked holding malloc's lock).
bool no_other_threads(const std::vector<pid_t>& known) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  auto self = static_cast<pid_t>(syscall(SYS_gettid));
  alignas(8) char buf[4096];
  bool none = true;
  for (long n; none && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;) {
    for (long at = 0; at < n;) {
      struct Entry {
        std::uint64_t inode;
        std::int64_t offset;
        unsigned short length;
        unsigned char type;
        char name[1];
      };
      const auto* e = reinterpret_cast<const Entry*>(buf + at);
      at += e->length;
      if (e->name[0] == '.') continue;
      auto tid = static_cast<pid_t>(std::atoi(e->name));
      if (tid != self && !is_runtime_thread(tid) && !std::binary_search(known.begin(), known.end(), tid)) none = false;
    }
  }
  close(fd);
  return none;
}

bool read_blocked(pid_t tid, Blocked& out) {
  std::string dir = "/proc/self/task/" + std::to_string(tid) + "/";
  std::string text = read_small_file(dir + "syscall");
  if (text.empty() || text.rfind("running", 0) == 0) return false;
  std::vector<std::string> fields;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find_first_of(" \n", at);
    if (end == std::string::npos) end = text.size();
    if (end > at) fields.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (fields.size() != 9 && fields.size() != 3) return false;
  out.tid = tid;
  out.sp = std::strtoull(fields[fields.size() - 2].c_str(), nullptr, 16);
  out.pc = std::strtoull(fields[fields.size() - 1].c_str(), nullptr, 16);
  return out.sp != 0;
}

// What /proc/self/task/TID/status says of the sampler's signal for one thread.
struct SignalState {
  bool blocked = true;   // unknown counts as blocked: such a thread is not signalled
  bool pending = false;  // an earlier sampling's signal is still on its way: not sent again
};

SignalState stack_signal_state(pid_t tid) {
  std::string status;
  std::string path = "/proc/self/task/" + std::to_string(tid) + "/status";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) status.append(buf, static_cast<std::size_t>(n));
  close(fd);
  auto bit = [&status](const char* field) -> std::optional<bool> {
    auto at = status.find(field);
    if (at == std::string::npos) return std::nullopt;
    std::uint64_t mask = std::strtoull(status.c_str() + at + std::strlen(field), nullptr, 16);
    return (mask >> (stack_signal() - 1)) & 1;
  };
  auto blocked = bit("\nSigBlk:"), own = bit("\nSigPnd:"), shared = bit("\nShdPnd:");
  if (!blocked) return {};
  return {*blocked, own.value_or(false) || shared.value_or(false)};
}

bool handler_installed() {
  struct sigaction current{};
  sigaction(stack_signal(), nullptr, &current);
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_signal) return true;
  if (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN) return false;  // the program's own
  // Bind what the handler calls now: a first call through a lazily bound PLT entry would
  // run the dynamic linker's resolver on the interrupted stack, which may be a fiber's.
  stack_t alternate;
  timespec now;
  std::uint64_t word = 0;
  iovec none{&word, 0};
  sigaltstack(nullptr, &alternate);
  clock_gettime(CLOCK_MONOTONIC, &now);
  process_vm_readv(getpid(), &none, 1, &none, 1, 0);
  (void)syscall(SYS_gettid);
  struct sigaction action{};
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  // No program handler runs on a thread while it is parked in this one: it could move a
  // pointer while the world is supposed to stand still.
  sigfillset(&action.sa_mask);
  return sigaction(stack_signal(), &action, nullptr) == 0;
}

// The caller's ranges as disjoint sorted ones, and for each caller range the one holding it.
std::vector<std::size_t> merge_ranges(std::span<const CodeRange> ranges, PrivateArray<CodeRange>& merged) {
  std::vector<std::size_t> order(ranges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ranges[a].begin < ranges[b].begin; });
  merged = PrivateArray<CodeRange>(ranges.size());
  std::vector<std::size_t> owner(ranges.size(), SIZE_MAX);
  for (std::size_t i : order) {
    if (ranges[i].end <= ranges[i].begin) continue;
    if (!merged.empty() && ranges[i].begin < merged[merged.size() - 1].end)
      merged[merged.size() - 1].end = std::max(merged[merged.size() - 1].end, ranges[i].end);
    else if (!merged.push_back(ranges[i]))
      continue;  // no private memory: the range is not looked for
    owner[i] = merged.size() - 1;
  }
  return owner;
}

// Frees what no handler can hold any more, or keeps it for a later call.
void withdraw(Sampling* s) {
  g_sampling.store(nullptr, std::memory_order_seq_cst);
  auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  while (g_handlers_inside.load(std::memory_order_seq_cst) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  g_withdrawn.push_back(s);
  if (g_handlers_inside.load(std::memory_order_seq_cst) != 0) return;
  for (Sampling* old : g_withdrawn) delete old;
  g_withdrawn.clear();
}

}  // namespace

RuntimeThread::RuntimeThread() {
  auto tid = static_cast<pid_t>(syscall(SYS_gettid));
  for (auto& t : g_runtime_threads) {
    pid_t free = 0;
    if (t.compare_exchange_strong(free, tid)) return;
  }
  // More than kMaxRuntimeThreads: this one is sampled like a program thread (safe, slower).
}

RuntimeThread::~RuntimeThread() {
  auto tid = static_cast<pid_t>(syscall(SYS_gettid));
  for (auto& t : g_runtime_threads) {
    pid_t mine = tid;
    if (t.compare_exchange_strong(mine, 0)) return;
  }
}

ProgramFrame::ProgramFrame(std::uint64_t stack_pointer, std::span<const std::uint64_t> registers)
    : previous_(t_program_frame), stack_pointer_(stack_pointer), registers_(registers) {
  if (!t_program_frame) t_program_frame = this;  // the outermost call into the runtime
}
ProgramFrame::~ProgramFrame() {
  if (t_program_frame == this) t_program_frame = previous_;
}

std::uint64_t program_frame() { return t_program_frame ? t_program_frame->stack_pointer_ : 0; }

// What sample_threads reads of this thread's ProgramFrame.
struct ProgramFrames {
  static void mark_registers(Sampling& s) {
    if (!t_program_frame) return;
    for (std::uint64_t r : t_program_frame->registers_) mark(s, r);
  }
};

SampleResult sample_threads(std::span<const CodeRange> ranges,
                            const std::function<void(const SampleResult&)>& while_held,
                            std::span<const pid_t> skip, bool skip_caller) {
  std::lock_guard lock(g_mu);
  SampleResult result;
  result.hits.assign(ranges.size(), false);
  auto* s = new Sampling;
  std::vector<std::size_t> owner = merge_ranges(ranges, s->ranges);
  // Threads first, then the mappings: every thread listed has its stack mapped by then.
  std::vector<pid_t> threads = other_threads();
  if (!while_held)  // holding the world holds every thread
    std::erase_if(threads, [skip](pid_t t) { return std::find(skip.begin(), skip.end(), t) != skip.end(); });
  s->mappings = writable_mappings();
  s->hits.reset(new std::atomic<bool>[s->ranges.size() + 1]);
  for (std::size_t i = 0; i <= s->ranges.size(); ++i) s->hits[i] = false;
  s->park = static_cast<bool>(while_held);

  // A report leaves blocked threads alone; holding the world needs every thread's
  // registers, so it signals them all. Threads that block the signal are never signalled.
  std::vector<Blocked> blocked;
  bool can_signal = handler_installed(), unseen = false;
  std::vector<bool> already_pending;
  for (pid_t tid : threads) {
    Blocked b;
    if (!s->park && read_blocked(tid, b)) {
      blocked.push_back(b);
      continue;
    }
    SignalState state = can_signal ? stack_signal_state(tid) : SignalState{};
    if (state.blocked) {
      unseen = true;
      continue;
    }
    s->tids.push_back(tid);
    already_pending.push_back(state.pending);
  }
  std::size_t n = s->tids.size();
  s->answered.reset(new std::atomic<bool>[n + 1]);
  s->sps.reset(new std::atomic<std::uint64_t>[n + 1]);
  s->tps.reset(new std::atomic<std::uint64_t>[n + 1]);
  for (std::size_t i = 0; i <= n; ++i) s->answered[i] = false, s->sps[i] = 0, s->tps[i] = 0;
  result.threads.reserve(threads.size());  // nothing below allocates while threads are parked

  g_sampling.store(s, std::memory_order_seq_cst);
  for (std::size_t i = 0; i < n; ++i) {
    if (already_pending[i]) continue;  // it answers when that one arrives
    if (syscall(SYS_tgkill, getpid(), s->tids[i], stack_signal()) == 0) continue;
    if (errno != ESRCH) unseen = true;  // EAGAIN: the user's pending-signal limit is reached
    s->answered[i] = true;              // nothing to wait for (ESRCH: it exited)
  }
  auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  auto all_answered = [&] {
    for (std::size_t i = 0; i < n; ++i)
      if (!s->answered[i].load(std::memory_order_acquire)) return false;
    return true;
  };
  while (!all_answered() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  result.every_thread_seen = all_answered() && !unseen && !s->partial.load();

  for (const Blocked& b : blocked) {
    mark(*s, b.pc);
    scan_stack(*s, b.sp);
    result.threads.push_back({b.tid, b.sp, 0});
  }
  for (std::size_t i = 0; i < n; ++i) result.threads.push_back({s->tids[i], s->sps[i].load(), s->tps[i].load()});
  if (!skip_caller) {
    ProgramFrames::mark_registers(*s);
    if (std::uint64_t frame = program_frame()) scan_stack(*s, frame);
  }
  for (std::size_t i = 0; i < ranges.size(); ++i)
    if (owner[i] != SIZE_MAX && s->hits[owner[i]].load()) result.hits[i] = true;

  if (s->park) {
    // While threads are parked nothing here may take a lock they could hold (malloc's):
    // the checks that read /proc run after the release.
    // Every listed thread is parked now; one that started since (and may have ended again
    // before the checks below) was never held.
    result.world_held = result.every_thread_seen && no_other_threads(threads);
    if (result.world_held) {
      sigset_t all, previous;  // nor may a program handler run on this thread meanwhile
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &previous);
      while_held(result);
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }
    s->release.store(1, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&s->release), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
    if (s->escaped.load()) result.world_held = false;
    // A thread that started meanwhile was never held. (Threads that ended were parked, or
    // runtime threads, which do not count.)
    std::vector<pid_t> now = other_threads();
    if (!std::includes(threads.begin(), threads.end(), now.begin(), now.end())) result.world_held = false;
  }
  withdraw(s);
  return result;
}

}  // namespace hotswap
