// spin() never returns while the program runs: a patch that changes it must say that the
// old code keeps running on that thread.
#include <atomic>

std::atomic<bool> g_stop{false};
std::atomic<long> g_ticks{0};

__attribute__((noinline)) void spin() {
  while (!g_stop.load(std::memory_order_relaxed)) g_ticks.fetch_add(1, std::memory_order_relaxed);
}

int release() { return 1; }
