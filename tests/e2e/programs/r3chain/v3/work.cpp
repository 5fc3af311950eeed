#include <atomic>

std::atomic<bool> g_stop{false};
std::atomic<long> g_rounds{0};

[[gnu::noinline]] int helper(int x) { return x + 41; }

// Runs in the second patch, calling into the first one now and then.
void spin() {
  while (!g_stop.load()) {
    for (int i = 0; i < 100000; ++i) asm volatile("");
    g_rounds += helper(0) - 40;
  }
}
int probe() { return helper(1); }
