// GCC clones scale() for its constant k (scale.constprop.0) and leaves no scale() at all;
// the clone's unlikely branch goes to its own cold part (scale.constprop.0.cold). A thread
// enters the clone by a tail call from use1() and waits at update points called from the
// cold part: no frame of a function the patch changes is on its stack, yet it runs code
// that reads g_state, whose type changes.
#include <hotswap/hotswap.h>

#include <atomic>
#include <string>
#include <thread>

struct State {
  long a = 0;
  long b = 0;  // release 2
};
State g_state;

namespace {
std::atomic<bool> s_release{false}, s_ready{false};
std::thread s_parked;
}  // namespace

[[gnu::cold, gnu::noinline]] void wait_rarely() {
  s_ready = true;
  while (!s_release) hotswap::update_point();
}

[[gnu::noinline]] static long scale(long x, long k) {
  long seen = g_state.a;
  if (x > 0) wait_rarely();
  return seen + x * k + g_state.a + g_state.b;
}

long use1(long x) { return scale(x, 3); }
long use2(long x) { return scale(x + 1, 3); }
long (*volatile g_entry)(long) = use1;

std::string handle(const std::string& command) {
  if (command == "park") {
    s_release = false;
    s_ready = false;
    s_parked = std::thread([] { g_entry(1); });
    while (!s_ready) std::this_thread::yield();
    return "parked";
  }
  if (command == "release") {
    s_release = true;
    s_parked.join();
    return "released";
  }
  if (command == "use") return std::to_string(use2(-5));
  return "unknown " + command;
}
