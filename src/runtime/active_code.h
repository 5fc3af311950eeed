// Which of a set of code ranges some thread is executing or will return into: the report
// of DESIGN §6 ("changed functions that are still active on some thread's stack").
//
// Every thread of the process gets a signal (kStackSignal); its handler, which only reads
// memory, checks the interrupted instruction pointer and scans the thread's stack from its
// stack pointer for words that point into the ranges. A stale return address left in a dead
// frame can be mistaken for a live one, so the answer is "may still be active".
#pragma once

#include <csignal>
#include <cstdint>
#include <vector>

namespace hotswap {

struct CodeRange {
  std::uint64_t begin = 0, end = 0;
};

// The real-time signal the sampler uses. When the program has installed its own handler
// for it, the report is skipped rather than interfering.
inline int stack_signal() { return SIGRTMIN + 5; }

// For each range, whether a thread may still be running in it. Threads that do not answer
// within the timeout (signal blocked, stopped) are not seen.
std::vector<bool> ranges_active_on_stacks(const std::vector<CodeRange>& ranges);

}  // namespace hotswap
