#include <hotswap/hotswap.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

struct Bank {
  long balance[8];
  long transfers;
  int generation;
};

Bank g_bank{{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 0, 1};
std::mutex g_mu;
std::atomic<bool> g_release{false};
extern "C" void* bank_address() { return &g_bank; }
extern std::atomic<bool> g_side_ready;  // main.cpp: set once a side thread runs as promised

void transfer(unsigned seed) {
  std::lock_guard lock(g_mu);
  unsigned from = seed % 8, to = (from + 1 + seed / 8 % 7) % 8;
  long amount = static_cast<long>(seed % 50);
  if (g_bank.balance[from] >= amount) {
    g_bank.balance[from] -= amount;
    g_bank.balance[to] += amount;
  }
  ++g_bank.transfers;
}

std::string audit() {
  std::lock_guard lock(g_mu);
  long sum = 0;
  for (long b : g_bank.balance) sum += b;
  return "v1 sum " + std::to_string(sum) + " transfers " + std::to_string(g_bank.transfers) + " generation " +
         std::to_string(g_bank.generation);
}

volatile long g_seen = 0;

// Takes no part in updates, and runs code that uses the bank until released.
void hog() {
  while (!g_release) {
    std::lock_guard lock(g_mu);
    g_seen = g_bank.generation;
    g_side_ready = true;
  }
}

// Takes part in updates from inside code that uses the bank: its update point would let it
// go on in the old code after the update.
void inner_loop() {
  while (!g_release) {
    {
      std::lock_guard lock(g_mu);
      g_seen = g_bank.generation;
    }
    hotswap::update_point();
    g_side_ready = true;
  }
}

// Parks at update points, called from the part of cold_loop() the compiler split off as
// cold (GCC: cold_loop.cold): while it waits, no frame of cold_loop itself is on the stack.
[[gnu::cold, gnu::noinline]] void wait_rarely() {
  g_side_ready = true;
  while (!g_release) hotswap::update_point();
}

// Uses the bank on both sides of a call from its cold part.
void cold_loop() {
  long seen;
  {
    std::lock_guard lock(g_mu);
    seen = g_bank.generation;
  }
  if (seen > 0) wait_rarely();
  std::lock_guard lock(g_mu);
  g_seen = seen + g_bank.generation;
}

// Callbacks the program keeps in globals the update does not migrate (their types did not
// change). Release 2 points them at code only it has.
std::string (*g_greeting)() = nullptr;
std::function<long()> g_rule;
std::string plain_greeting() { return "hello"; }

// "greeting" or "rule" points that callback at code, "off" clears both.
std::string set_callbacks(const std::string& which) {
  if (which == "greeting") g_greeting = plain_greeting;
  if (which == "rule") g_rule = [] { return 1L; };
  if (which == "off") g_greeting = nullptr, g_rule = nullptr;
  return "callbacks " + std::string(g_greeting ? g_greeting() : "none") + " " + std::to_string(g_rule ? g_rule() : 0);
}

// Applies a patch from inside code that uses the bank (and that the patch replaces): it
// would return into the old code after the update.
std::string apply_from_inside(const std::string& path) {
  long before = g_bank.transfers;
  hotswap::Result r = hotswap::apply(path);
  return (r ? "ok " : "refused ") + r.message + " (" + std::to_string(before) + " transfers before)";
}

// Takes part in updates, then stops reaching update points until released.
void stall() {
  hotswap::update_point();
  g_side_ready = true;
  while (!g_release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void hold_pointer() {
  Bank* volatile held = &g_bank;  // on this thread's stack while it parks
  hotswap::update_point();
  g_side_ready = true;
  while (!g_release) hotswap::update_point();
  (void)held;
}
