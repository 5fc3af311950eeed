#include <atomic>
#include <string>
#include <thread>
#include <vector>

int work(int x);

static std::atomic<bool> s_running{false};
static std::atomic<long> s_calls{0}, s_bad{0}, s_new{0};
static std::vector<std::thread> s_threads;

static void worker() {
  for (int i = 0; s_running.load(std::memory_order_relaxed); ++i) {
    int r = work(i);
    if (r == i + 2) s_new.fetch_add(1, std::memory_order_relaxed);
    else if (r != i + 1) s_bad.fetch_add(1, std::memory_order_relaxed);
    s_calls.fetch_add(1, std::memory_order_relaxed);
  }
}

// Threads that come and go: each new stack appears after the sampler read the mappings.
static std::atomic<bool> s_churning{false};
static std::thread s_churner;

static void churn() {
  while (s_churning.load(std::memory_order_relaxed)) {
    std::thread t([] { s_calls.fetch_add(work(0) > 0, std::memory_order_relaxed); });
    t.join();
  }
}

std::string handle(const std::string& command) {
  if (command == "churn") {
    s_churning = true;
    s_churner = std::thread(churn);
    return "churning";
  }
  if (command == "unchurn") {
    s_churning = false;
    s_churner.join();
    return "settled";
  }
  if (command == "start") {
    s_running = true;
    for (int t = 0; t < 3; ++t) s_threads.emplace_back(worker);
    return "started";
  }
  if (command == "stop") {
    s_running = false;
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "calls " + std::to_string(s_calls.load() > 0) + " new " + std::to_string(s_new.load() > 0) + " bad " +
           std::to_string(s_bad.load());
  }
  if (command == "work") return std::to_string(work(1));
  if (command == "seen-new") return std::to_string(s_new.load() > 0);
  return "unknown " + command;
}
