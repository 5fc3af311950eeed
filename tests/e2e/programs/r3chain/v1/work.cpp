#include <atomic>

std::atomic<bool> g_stop{false};
std::atomic<long> g_rounds{0};

void spin() {}
int probe() { return 1; }
