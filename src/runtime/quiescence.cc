#include "runtime/quiescence.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include <hotswap/hotswap.h>

#include "arch/x86_64/registers.h"

namespace hotswap::quiescence {
namespace {

enum class State { kRunning, kParked, kIdle };

struct Participant {
  pid_t tid = 0;
  State state = State::kRunning;
  int idle_depth = 0;
  std::uint64_t sp = 0, stack_begin = 0, stack_end = 0;
  std::uint64_t frames[kMaxFrames] = {};
  std::size_t frame_count = 0;
  bool frames_complete = true;
  std::uint64_t registers[x86_64::kCalleeSavedCount] = {};  // where it entered its idle scope
  Participant();
  ~Participant();
};

// The shared state, guarded by `mu`. Never destroyed: threads may register or end after
// static destructors ran.
struct Shared {
  std::mutex mu;
  std::condition_variable arrived;  // a participant parked or went idle: the coordinator looks
  std::condition_variable resume;   // the update ended: parked threads and idle leavers go on
  std::vector<Participant*> participants;
  bool pending = false;  // an update waits for the participants
  bool held = false;     // and has them: no participant runs until release()
  const Participant* requester = nullptr;
};
Shared& shared() {
  static Shared* s = new Shared;
  return *s;
}

thread_local Participant* t_self = nullptr;
// This thread asked for the update now held or pending: whether or not it takes part, its
// update points and idle scopes must not wait (the code it runs meanwhile may reach them).
thread_local bool t_requesting = false;
std::atomic<int> g_wake{-1};

// A thread that first takes part while an update holds the others is not among the held
// ones (listed when the hold began): it was checked as a thread that takes no part, and
// runs on as one. Making it wait here would hang an update whose new release starts a
// thread and waits for it, or whose hook takes a lock such a thread holds.
Participant::Participant() {
  tid = static_cast<pid_t>(syscall(SYS_gettid));
  StackBounds stack = calling_thread_stack();
  stack_begin = stack.begin;
  stack_end = stack.end;
  Shared& s = shared();
  std::lock_guard lock(s.mu);
  s.participants.push_back(this);
}

Participant::~Participant() {
  Shared& s = shared();
  std::lock_guard lock(s.mu);
  std::erase(s.participants, this);
  t_self = nullptr;
  s.arrived.notify_all();  // one fewer to wait for
}

void before_fork();
void after_fork_parent();
void after_fork_child();

// The fork handlers, registered before the first participant or update exists.
void ensure_fork_handlers() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(before_fork, after_fork_parent, after_fork_child); });
}

Participant& self() {
  ensure_fork_handlers();
  thread_local Participant participant;
  t_self = &participant;
  return participant;
}

// Whether an unwind that stopped at `last` reached the thread's beginning: the C library's
// thread start (clone3, start_thread) or the executable's entry point (_start). The unwinder
// also stops, as if at the end, at a frame without unwind information (hand-written
// assembly): what lies above it is then unknown.
bool reached_thread_start(std::uint64_t last) {
  if (last - getauxval(AT_ENTRY) < 256) return true;
  Dl_info info;
  return dladdr(reinterpret_cast<void*>(last - 1), &info) && info.dli_fname &&
         std::string_view(info.dli_fname).find("/libc.so") != std::string_view::npos;
}

// Where the thread parked: its frames above this function's.
[[gnu::noinline]] void record_frames(Participant& me) {
  bool complete = false;
  me.frame_count = calling_thread_return_addresses(me.frames, complete, {me.stack_begin, me.stack_end});
  me.frames_complete = complete;
}

bool quiescent(const Participant& p) {
  return p.state != State::kRunning || &p == shared().requester;
}

void drain() {
  int wake = g_wake.load();
  if (wake < 0) return;
  std::uint64_t value;
  while (read(wake, &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
  }
}

// fork(): the shared state is consistent in the child (the lock is taken around it), which
// has only the forking thread.
void before_fork() { shared().mu.lock(); }
void after_fork_parent() { shared().mu.unlock(); }
void after_fork_child() {
  Shared& s = shared();
  std::erase_if(s.participants, [](Participant* p) { return p != t_self; });
  s.pending = s.held = false;
  s.requester = nullptr;
  if (t_self) {
    t_self->state = t_self->idle_depth > 0 ? State::kIdle : State::kRunning;
    t_self->tid = static_cast<pid_t>(syscall(SYS_gettid));
  }
  detail::update_pending.store(false, std::memory_order_relaxed);
  if (int wake = g_wake.load(); wake >= 0) {  // the parent's eventfd must not be shared
    int fresh = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fresh >= 0 && fresh != wake) {
      dup3(fresh, wake, O_CLOEXEC);
      close(fresh);
    }
  }
  s.mu.unlock();
}

}  // namespace

StackBounds calling_thread_stack() {
  pthread_attr_t attr;
  StackBounds bounds;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      bounds.begin = reinterpret_cast<std::uint64_t>(addr);
      bounds.end = bounds.begin + size;
    }
    pthread_attr_destroy(&attr);
  }
  return bounds;
}

[[gnu::noinline]] std::size_t calling_thread_return_addresses(std::span<std::uint64_t> out, bool& complete,
                                                               StackBounds stack) {
  struct Walk {
    std::span<std::uint64_t> out;
    std::size_t count = 0;
    bool skipped_own = false;  // this function's frame
    bool full = false;
    std::uint64_t cfa = 0;  // the last frame's
  } walk{out};
  _Unwind_Reason_Code end = _Unwind_Backtrace(
      [](_Unwind_Context* context, void* arg) -> _Unwind_Reason_Code {
        auto* w = static_cast<Walk*>(arg);
        if (!w->skipped_own) {
          w->skipped_own = true;
          return _URC_NO_REASON;
        }
        if (w->count == w->out.size()) {
          w->full = true;
          return _URC_END_OF_STACK;
        }
        // A signal frame's IP is the interrupted instruction itself, not a return address:
        // stored one past it, as the readers take `ip - 1` for the instruction.
        int before = 0;
        std::uint64_t ip = _Unwind_GetIPInfo(context, &before);
        w->out[w->count++] = before ? ip + 1 : ip;
        if (ip) w->cfa = _Unwind_GetCFA(context);
        return _URC_NO_REASON;
      },
      &walk);
  // glibc's clone3 ends its unwind information by marking the return address undefined:
  // libgcc reports one more frame there, at address 0, which is no frame of the thread.
  while (walk.count > 0 && out[walk.count - 1] == 0) --walk.count;
  // The walk must also have run on this thread's own stack: a fiber's unwind (makecontext)
  // ends in its own start, in the C library too, and the frames that switched to it are
  // not seen.
  std::uint64_t here = reinterpret_cast<std::uint64_t>(__builtin_frame_address(0));
  bool on_own_stack =
      stack.end == 0 || (here >= stack.begin && here < stack.end && walk.cfa > here && walk.cfa <= stack.end);
  complete = end == _URC_END_OF_STACK && !walk.full && walk.count > 0 && on_own_stack &&
             reached_thread_start(out[walk.count - 1]);
  return walk.count;
}

// Spills the callee-saved registers, records where the stack and the frames are, and waits,
// all in this one frame: the spilled values stay live above the recorded sp while it waits.
[[gnu::noinline]] void update_point() {
  __builtin_unwind_init();
  Participant& me = self();
  Shared& s = shared();
  std::unique_lock lock(s.mu);
  if (!s.pending || me.state != State::kRunning || t_requesting) return;
  std::uint64_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  me.sp = sp;
  record_frames(me);
  me.state = State::kParked;
  s.arrived.notify_all();
  s.resume.wait(lock, [&s] { return !s.pending; });
  me.state = State::kRunning;
}

[[gnu::noinline]] void enter_idle(const std::uint64_t* registers) {
  __builtin_unwind_init();
  Participant& me = self();
  std::uint64_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  Shared& s = shared();
  std::lock_guard lock(s.mu);
  if (me.idle_depth++ > 0) return;
  me.sp = sp;
  if (registers) std::copy_n(registers, x86_64::kCalleeSavedCount, me.registers);
  else std::fill_n(me.registers, x86_64::kCalleeSavedCount, 0);
  // Not unwound here: idle scopes are entered often (see hold). The last park's frames are
  // cleared, not only forgotten: the array lies in the thread's TLS, inside the stack block
  // a scan reads, and a stale return address there would look like code the thread is in.
  std::fill_n(me.frames, me.frame_count, 0);
  me.frame_count = 0;
  me.frames_complete = false;
  me.state = State::kIdle;
  s.arrived.notify_all();
}

void leave_idle() {
  Participant& me = self();
  Shared& s = shared();
  std::unique_lock lock(s.mu);
  if (!t_requesting) s.resume.wait(lock, [&s] { return !s.held; });
  if (me.idle_depth > 0 && --me.idle_depth == 0) {
    me.state = State::kRunning;
    // They lie in its TLS, inside the stack block a later scan reads: stale, they would
    // look like what the thread holds at its next update point.
    std::fill_n(me.registers, x86_64::kCalleeSavedCount, 0);
  }
}

// A call into the API: the API's frames keep only the registers they use; the others stay
// in registers the runtime's deeper calls save and overwrite while it waits. Stored here
// (after this function's own prologue, which may have saved some of them on the stack
// above the recorded sp) and scanned with the stack.
InRuntime::InRuntime() : participant_(t_self != nullptr) {
  std::uint64_t registers[x86_64::kCalleeSavedCount];
  x86_64::capture_callee_saved(registers);
  if (participant_) enter_idle(registers);
}

InRuntime::~InRuntime() {
  if (participant_) leave_idle();
}

void open_wake_fd() {
  int expected = -1;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0 && !g_wake.compare_exchange_strong(expected, fd)) close(fd);
  ensure_fork_handlers();
}

int wake_fd() { return g_wake.load(); }

Expected<std::vector<HeldThread>> hold(std::chrono::steady_clock::time_point deadline) {
  ensure_fork_handlers();
  Shared& s = shared();
  std::unique_lock lock(s.mu);
  s.pending = true;
  s.requester = t_self;
  t_requesting = true;
  detail::update_pending.store(true, std::memory_order_seq_cst);
  if (int wake = g_wake.load(); wake >= 0) {
    std::uint64_t one = 1;
    (void)!write(wake, &one, sizeof one);
  }
  bool all = s.arrived.wait_until(lock, deadline, [&s] {
    return std::all_of(s.participants.begin(), s.participants.end(), [](Participant* p) { return quiescent(*p); });
  });
  if (!all) {
    std::string running;
    for (const Participant* p : s.participants)
      if (!quiescent(*p)) running += " " + std::to_string(p->tid);
    s.pending = false;
    s.requester = nullptr;
    t_requesting = false;
    detail::update_pending.store(false, std::memory_order_seq_cst);
    drain();
    s.resume.notify_all();
    return make_error("threads" + running + " reached no update point or idle scope in time");
  }
  s.held = true;
  std::vector<HeldThread> held;
  for (const Participant* p : s.participants) {
    if (p == s.requester) continue;
    HeldThread t{p->tid, p->state == State::kIdle, p->sp, p->stack_end, {}, p->frames_complete, {}};
    t.return_addresses.assign(p->frames, p->frames + p->frame_count);
    if (p->state == State::kIdle) t.registers.assign(p->registers, p->registers + x86_64::kCalleeSavedCount);
    held.push_back(std::move(t));
  }
  return held;
}

void release() {
  Shared& s = shared();
  std::lock_guard lock(s.mu);
  s.held = false;
  s.pending = false;
  s.requester = nullptr;
  t_requesting = false;
  detail::update_pending.store(false, std::memory_order_seq_cst);
  drain();
  s.resume.notify_all();
}

std::size_t participants() {
  Shared& s = shared();
  std::lock_guard lock(s.mu);
  return s.participants.size();
}

}  // namespace hotswap::quiescence
