#include <atomic>

std::atomic<bool> g_stop{false};
std::atomic<long> g_rounds{0};

[[gnu::noinline]] int helper(int x) { return x + 41; }  // new: only the first patch has it

void spin() {}
int probe() { return helper(1); }
