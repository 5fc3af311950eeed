#include "runtime/active_code.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace hotswap {
namespace {

constexpr std::size_t kMaxScanBytes = 512 * 1024;

// What the handler reads and writes. Set up before the signals go out, read after all
// threads answered; the handler touches nothing else.
struct Sampling {
  const CodeRange* ranges = nullptr;
  std::size_t range_count = 0;
  const CodeRange* stacks = nullptr;  // readable, writable mappings, sorted
  std::size_t stack_count = 0;
  std::atomic<bool>* hits = nullptr;
  std::atomic<int> answered{0};
};
std::atomic<Sampling*> g_sampling{nullptr};

void mark(Sampling& s, std::uint64_t value) {
  // Ranges are few: a linear scan keeps the handler trivially safe.
  for (std::size_t i = 0; i < s.range_count; ++i)
    if (value >= s.ranges[i].begin && value < s.ranges[i].end) s.hits[i].store(true, std::memory_order_relaxed);
}

void on_signal(int, siginfo_t*, void* context) {
  Sampling* s = g_sampling.load(std::memory_order_acquire);
  if (!s) return;
  auto* uc = static_cast<ucontext_t*>(context);
  auto pc = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  auto sp = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RSP]);
  mark(*s, pc);
  for (std::size_t i = 0; i < s->stack_count; ++i) {
    if (sp < s->stacks[i].begin || sp >= s->stacks[i].end) continue;
    std::uint64_t end = std::min(s->stacks[i].end, sp + kMaxScanBytes);
    for (std::uint64_t at = sp & ~std::uint64_t{7}; at + 8 <= end; at += 8) mark(*s, *reinterpret_cast<const std::uint64_t*>(at));
    break;
  }
  s->answered.fetch_add(1, std::memory_order_release);
}

std::vector<CodeRange> writable_mappings() {
  std::vector<CodeRange> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long lo, hi;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %4s", &lo, &hi, perms) == 3 && perms[0] == 'r' && perms[1] == 'w')
      out.push_back({lo, hi});
  }
  return out;
}

std::vector<pid_t> thread_ids() {
  std::vector<pid_t> out;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    closedir(d);
  }
  return out;
}

}  // namespace

std::vector<bool> ranges_active_on_stacks(const std::vector<CodeRange>& ranges) {
  std::vector<bool> result(ranges.size(), false);
  if (ranges.empty()) return result;
  struct sigaction previous{};
  sigaction(stack_signal(), nullptr, &previous);
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_sigaction != on_signal)
    return result;  // the program uses this signal: no report rather than interference

  std::vector<CodeRange> stacks = writable_mappings();
  std::unique_ptr<std::atomic<bool>[]> hits(new std::atomic<bool>[ranges.size()]);
  for (std::size_t i = 0; i < ranges.size(); ++i) hits[i] = false;
  Sampling sampling;
  sampling.ranges = ranges.data();
  sampling.range_count = ranges.size();
  sampling.stacks = stacks.data();
  sampling.stack_count = stacks.size();
  sampling.hits = hits.get();

  struct sigaction action{};
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(stack_signal(), &action, nullptr);
  g_sampling.store(&sampling, std::memory_order_release);

  int sent = 0;
  pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  for (pid_t tid : thread_ids())
    if (tid != self && syscall(SYS_tgkill, getpid(), tid, stack_signal()) == 0) ++sent;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (sampling.answered.load(std::memory_order_acquire) < sent && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();

  // Late handlers may still run: they find no sampling and return. Wait out the ones that
  // already loaded the pointer by keeping `sampling` alive until every signal answered or a
  // grace period passed.
  g_sampling.store(nullptr, std::memory_order_release);
  while (sampling.answered.load(std::memory_order_acquire) < sent &&
         std::chrono::steady_clock::now() < deadline + std::chrono::milliseconds(50))
    std::this_thread::yield();
  // This thread's own stack, directly (apply() may be called from inside changed code).
  std::uint64_t here = reinterpret_cast<std::uint64_t>(__builtin_frame_address(0));
  for (const CodeRange& stack : stacks)
    if (here >= stack.begin && here < stack.end) {
      std::uint64_t end = std::min(stack.end, here + kMaxScanBytes);
      for (std::uint64_t at = here & ~std::uint64_t{7}; at + 8 <= end; at += 8)
        mark(sampling, *reinterpret_cast<const std::uint64_t*>(at));
    }
  for (std::size_t i = 0; i < ranges.size(); ++i) result[i] = hits[i].load();
  return result;
}

}  // namespace hotswap
