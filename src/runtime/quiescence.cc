#include "runtime/quiescence.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

#include <hotswap/hotswap.h>

namespace hotswap::quiescence {
namespace {

enum class State { kRunning, kParked, kIdle };

struct Participant {
  pid_t tid = 0;
  State state = State::kRunning;
  int idle_depth = 0;
  std::uint64_t sp = 0, stack_end = 0;
  Participant();
  ~Participant();
};

// Everything below is guarded by g_mu.
std::mutex g_mu;
std::condition_variable g_arrived;  // a participant parked or went idle: the coordinator looks
std::condition_variable g_resume;   // the update ended: parked threads and idle leavers go on
std::vector<Participant*> g_participants;
bool g_pending = false;  // an update waits for the participants
bool g_held = false;     // and has them: no participant runs until release()
const Participant* g_requester = nullptr;

thread_local Participant* t_self = nullptr;
std::atomic<int> g_wake{-1};

Participant::Participant() {
  tid = static_cast<pid_t>(syscall(SYS_gettid));
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0)
      stack_end = reinterpret_cast<std::uint64_t>(addr) + size;
    pthread_attr_destroy(&attr);
  }
  std::lock_guard lock(g_mu);
  g_participants.push_back(this);
}

Participant::~Participant() {
  std::lock_guard lock(g_mu);
  std::erase(g_participants, this);
  t_self = nullptr;
  g_arrived.notify_all();  // one fewer to wait for
}

Participant& self() {
  thread_local Participant participant;
  t_self = &participant;
  return participant;
}

// The stack pointer with every callee-saved register of the caller's frames spilled above
// it: what the thread holds lies in [sp, stack end).
[[gnu::noinline]] std::uint64_t spilled_stack_pointer() {
  __builtin_unwind_init();
  std::uint64_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  return sp;
}

bool quiescent(const Participant& p) {
  return p.state != State::kRunning || &p == g_requester;
}

void drain() {
  int wake = g_wake.load();
  if (wake < 0) return;
  std::uint64_t value;
  while (read(wake, &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
  }
}

}  // namespace

void update_point() {
  Participant& me = self();
  std::uint64_t sp = spilled_stack_pointer();
  std::unique_lock lock(g_mu);
  if (!g_pending || me.state != State::kRunning) return;  // nothing asked; or idle already
  me.sp = sp;
  me.state = State::kParked;
  g_arrived.notify_all();
  g_resume.wait(lock, [] { return !g_pending; });
  me.state = State::kRunning;
}

void enter_idle() {
  Participant& me = self();
  std::uint64_t sp = spilled_stack_pointer();
  std::lock_guard lock(g_mu);
  if (me.idle_depth++ > 0) return;
  me.sp = sp;
  me.state = State::kIdle;
  g_arrived.notify_all();
}

void leave_idle() {
  Participant& me = self();
  std::unique_lock lock(g_mu);
  g_resume.wait(lock, [] { return !g_held; });
  if (me.idle_depth > 0 && --me.idle_depth == 0) me.state = State::kRunning;
}

void open_wake_fd() {
  int expected = -1;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0 && !g_wake.compare_exchange_strong(expected, fd)) close(fd);
}

int wake_fd() { return g_wake.load(); }

Expected<std::vector<HeldThread>> hold(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(g_mu);
  g_pending = true;
  g_requester = t_self;
  detail::update_pending.store(true, std::memory_order_seq_cst);
  if (int wake = g_wake.load(); wake >= 0) {
    std::uint64_t one = 1;
    (void)!write(wake, &one, sizeof one);
  }
  bool all = g_arrived.wait_until(lock, deadline, [] {
    return std::all_of(g_participants.begin(), g_participants.end(), [](Participant* p) { return quiescent(*p); });
  });
  if (!all) {
    std::string running;
    for (const Participant* p : g_participants)
      if (!quiescent(*p)) running += " " + std::to_string(p->tid);
    g_pending = false;
    g_requester = nullptr;
    detail::update_pending.store(false, std::memory_order_seq_cst);
    drain();
    g_resume.notify_all();
    return make_error("threads" + running + " reached no update point or idle scope in time");
  }
  g_held = true;
  std::vector<HeldThread> held;
  for (const Participant* p : g_participants)
    if (p != g_requester) held.push_back({p->tid, p->state == State::kIdle, p->sp, p->stack_end});
  return held;
}

void release() {
  std::lock_guard lock(g_mu);
  g_held = false;
  g_pending = false;
  g_requester = nullptr;
  detail::update_pending.store(false, std::memory_order_seq_cst);
  drain();
  g_resume.notify_all();
}

std::size_t participants() {
  std::lock_guard lock(g_mu);
  return g_participants.size();
}

}  // namespace hotswap::quiescence
