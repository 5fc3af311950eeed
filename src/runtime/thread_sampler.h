// What the other threads of the process are running: each thread's instruction pointer,
// registers and the words of its live stack, checked against code ranges. Used for the
// report of changed functions still running (DESIGN §6) and before a reverted patch's
// memory is given back (reclaim.h).
//
// Two modes:
// - A report (no `while_held`) disturbs no thread blocked in the kernel (epoll_wait,
//   nanosleep, recv, ...): /proc/self/task/TID/syscall gives its stack and instruction
//   pointers and process_vm_readv its stack. Only threads that are running get a signal
//   (stack_signal(), with SA_RESTART), whose handler scans the thread's own registers and
//   stack. A thread entering a call the kernel never restarts (epoll_wait, nanosleep, a
//   recv with a timeout) just as the signal arrives may still see EINTR.
// - Holding the world (`while_held`, for reclamation by scanning) signals every thread,
//   blocked ones too: a blocked thread's callee-saved registers are visible nowhere else.
//   Its blocking call is interrupted: restarted when the kernel restarts it, EINTR (or an
//   early return) otherwise. Every thread parks in the handler, which blocks every other
//   signal, until the callback returns; the runtime's own threads block program signals
//   and run program code only under the runtime's lock, so they need no holding, and the
//   calling thread blocks signals while the callback runs.
//
// A thread that blocks the signal is never signalled (signals would pile up against the
// user's RLIMIT_SIGPENDING): it is reported unseen. The handler touches only memory that
// lives until no handler can be running: its state is freed once a count of handlers inside
// reads zero after the state was withdrawn, and is otherwise kept.
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
// for it, no thread is signalled and the result says threads went unseen.
inline int stack_signal() { return SIGRTMIN + 5; }

struct ThreadSample {
  pid_t tid = 0;
  std::uint64_t sp = 0;      // the live stack lies at and above sp (below: the red zone)
  std::uint64_t thread_pointer = 0;  // its TLS block: inside the thread's own stack mapping
                                     // for threads the C library started (0: unknown)
};

struct SampleResult {
  std::vector<bool> hits;             // by range
  std::vector<ThreadSample> threads;  // every thread but the caller and the runtime's own
  bool every_thread_seen = true;      // false if a thread went unseen (signal blocked, no
                                      // answer in time, on its alternate signal stack)
  bool world_held = true;             // with while_held: no thread can have run meanwhile
};

// Samples every thread but the caller and the runtime's own; the caller's own registers
// and stack are scanned from where the program called into hotswap (ProgramFrame), if it
// did. With `while_held`, see above: `world_held` says whether the callback saw a process
// standing still. Parked threads give up after a bounded wait (world_held then false).
// A report may leave out threads (`skip`: threads parked by quiescence.h, which promised to
// hold nothing the caller looks for), and the caller itself (`skip_caller`: one that
// checked its own frames by unwinding, migrate.cc).
SampleResult sample_threads(std::span<const CodeRange> ranges,
                            const std::function<void(const SampleResult&)>& while_held = {},
                            std::span<const pid_t> skip = {}, bool skip_caller = false);

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

// Marks, for as long as it lives, where the program's own part of this thread's stack
// begins (`stack_pointer`: the slot of the public API function's return address into the
// program) and the
// callee-saved registers the program had when it called in. The public API creates one
// on entry, so the runtime's frames below it are never mistaken for the program's, and a
// pointer the program keeps only in a register is seen.
class ProgramFrame {
 public:
  ProgramFrame(std::uint64_t stack_pointer, std::span<const std::uint64_t> registers);
  ~ProgramFrame();
  ProgramFrame(const ProgramFrame&) = delete;
  ProgramFrame& operator=(const ProgramFrame&) = delete;

 private:
  const ProgramFrame* previous_;
  std::uint64_t stack_pointer_;
  std::span<const std::uint64_t> registers_;
  friend struct ProgramFrames;
  friend std::uint64_t program_frame();
};

// This thread's outermost ProgramFrame's stack pointer, 0 if none.
std::uint64_t program_frame();

}  // namespace hotswap
