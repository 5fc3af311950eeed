// What the other threads of the process are running: each thread's instruction pointer,
// saved registers and the words of its live stack, checked against code ranges. Used for
// the report of changed functions still running (DESIGN §6) and before a reverted patch's
// memory is given back.
//
// A thread blocked in the kernel (epoll_wait, nanosleep, recv, ...) is read without being
// disturbed: /proc/self/task/TID/syscall gives its stack and instruction pointers and
// process_vm_readv its stack. Only threads that are running get a signal (stack_signal(),
// with SA_RESTART), whose handler scans the thread's own stack. A thread that enters a
// call the kernel never restarts (epoll_wait, nanosleep, a recv with a timeout) at the
// moment the signal arrives may still see EINTR.
//
// The handler touches only memory that lives until no handler can be running: its state
// is freed once a count of handlers inside reads zero after the state was withdrawn, and
// is otherwise kept (never freed under a late handler).
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace hotswap {

struct CodeRange {
  std::uint64_t begin = 0, end = 0;
  bool contains(std::uint64_t a) const { return a >= begin && a < end; }
};

// The real-time signal the sampler uses. When the program has installed its own handler
// for it, running threads are not sampled (blocked ones still are) and the result says so.
inline int stack_signal() { return SIGRTMIN + 5; }

struct ThreadSample {
  pid_t tid = 0;
  std::uint64_t sp = 0;  // the live stack lies at and above sp
  bool blocked = false;  // in the kernel: read without a signal
};

struct SampleResult {
  std::vector<bool> hits;             // by range
  std::vector<ThreadSample> threads;  // every thread but the caller
  bool every_thread_seen = true;      // false if a thread did not answer (signal blocked, stopped)
  bool world_held = true;             // with while_held: no thread can have run meanwhile
};

// Samples every thread but the caller; the caller's own stack is scanned from the frame
// where the program called into hotswap (ProgramFrame), if it did. With `while_held`,
// threads that were running stay parked in the signal handler until the callback
// returns, and threads that were blocked in the kernel are checked afterwards not to have
// run meanwhile (their CPU time): `world_held` says whether the callback saw a process
// standing still. Parked threads give up after a bounded wait (world_held then false).
SampleResult sample_threads(std::span<const CodeRange> ranges,
                            const std::function<void(const SampleResult&)>& while_held = {});

// Marks the calling thread as the runtime's own for as long as the object lives (the
// control plane's threads). Such a thread runs program code only while it holds the
// runtime's lock, as every sampling does, so it is neither signalled, read nor waited for.
class RuntimeThread {
 public:
  RuntimeThread();
  ~RuntimeThread();
  RuntimeThread(const RuntimeThread&) = delete;
  RuntimeThread& operator=(const RuntimeThread&) = delete;
};

// Marks where the program's own frames begin on this thread, for as long as it lives: the
// public API creates one on entry, so the runtime's frames below it are never mistaken
// for the program's.
class ProgramFrame {
 public:
  explicit ProgramFrame(const void* frame);
  ~ProgramFrame();
  ProgramFrame(const ProgramFrame&) = delete;
  ProgramFrame& operator=(const ProgramFrame&) = delete;

 private:
  std::uint64_t previous_;
};

// The frame ProgramFrame recorded on this thread, 0 if none.
std::uint64_t program_frame();

}  // namespace hotswap
