// Quiescence (docs/ARCHITECTURE.md, "Type and state updates"): the threads that take part
// in updates, and holding them at a safe moment while a patch that changes types commits.
//
// A thread takes part once it has entered the slow path of hotswap::update_point() (taken
// only while an update is pending) or an idle_scope. While an update is pending:
// - update_point() parks the calling thread until the update ends;
// - a thread inside an idle_scope counts as quiescent where it is; leaving the scope while
//   the update holds the threads waits for its end (leaving before that is free: the thread
//   is then running again, and the update waits for it to reach an update point).
// The thread that asks for the update (a program thread calling hotswap::apply) counts as
// being at an update point, and update_point() and idle scopes return at once on it (the
// initializers and transformers it runs may reach them). A thread inside the runtime's API
// counts as idle (api.cc): it may be waiting for the runtime's lock, which the update holds.
//
// After fork() the child has only the forking thread: the participants, the pending state
// and the wake fd (a fresh eventfd at the same descriptor) start over.
//
// When every participant is parked or idle, `hold` returns them with the part of their
// stacks that may hold pointers: from the stack pointer at the point where it parked (below
// which nothing of the program's is live) to the end of its stack. The callee-saved
// registers are spilled there first, so scanning that range covers them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/expected.h"

namespace hotswap::quiescence {

inline constexpr std::size_t kMaxFrames = 64;

struct HeldThread {
  pid_t tid = 0;
  bool idle = false;           // inside an idle_scope, else parked at an update point
  std::uint64_t sp = 0;        // its live stack: [sp, stack_end)
  std::uint64_t stack_end = 0;
  // Where its frames will return to when it goes on (the unwinder's view, taken where it
  // parked); `frames_complete` false if unknown: a thread in an idle scope (unwinding at
  // every entry would cost an event loop too much) or one with more than kMaxFrames.
  std::vector<std::uint64_t> return_addresses;
  bool frames_complete = true;
  // In an idle scope: the callee-saved registers as the program had them where it entered
  // (the scope's frame is gone, and the kernel keeps what stayed in registers while the
  // thread blocks). Scanned like its stack. Empty at an update point, whose frame spills
  // them and stays.
  std::vector<std::uint64_t> registers;
};

// The eventfd that is readable while an update is pending (hotswap::wake_fd()); -1 until
// open_wake_fd() made it.
void open_wake_fd();
int wake_fd();

// Asks every participant to stop and waits until all are parked or idle, or until the
// deadline; the wake fd is made readable so that event loops notice. On success they stay
// held until release(); on failure nothing is held and the error names the threads still
// running.
Expected<std::vector<HeldThread>> hold(std::chrono::steady_clock::time_point deadline);

// Lets held (and parked) threads run again; reads the wake fd empty.
void release();

// The participants now registered (for tests and status).
std::size_t participants();

// The calling thread's own stack: where it lies (0, 0 if unknown), and the return addresses of
// its frames, the caller's first, as the unwinder sees them. The count is returned;
// `complete` says whether they reach the thread's start (not cut off by `out`'s size, nor
// by a frame without unwind information, where the unwinder stops as if at the end, nor
// walked on a stack that is not the thread's own `stack`, if known: a fiber's).
struct StackBounds {
  std::uint64_t begin = 0, end = 0;  // 0, 0 if unknown
};
StackBounds calling_thread_stack();
std::size_t calling_thread_return_addresses(std::span<std::uint64_t> out, bool& complete, StackBounds stack = {});

// The entry points of hotswap.h.
void update_point();
// `registers`: the caller's callee-saved registers, captured where the program entered the
// scope (x86_64::capture_callee_saved), or nullptr.
void enter_idle(const std::uint64_t* registers = nullptr);
void leave_idle();

// Around a call into the runtime's API: a participant counts as idle inside (it may wait
// for the runtime's lock, which an update holds). A thread that takes no part stays so.
class InRuntime {
 public:
  InRuntime();
  ~InRuntime();
  InRuntime(const InRuntime&) = delete;
  InRuntime& operator=(const InRuntime&) = delete;

 private:
  bool participant_;
};

}  // namespace hotswap::quiescence
