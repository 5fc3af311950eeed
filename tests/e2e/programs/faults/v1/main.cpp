#include <atomic>
#include <string>
#include <thread>
#include <vector>

int work(int x);
extern std::atomic<int> g_mprotect_countdown;
extern int g_inits;

static std::atomic<bool> s_running{false};
static std::atomic<long> s_bad{0};
static std::vector<std::thread> s_threads;

static void worker() {
  for (int i = 0; s_running.load(std::memory_order_relaxed); ++i) {
    int r = work(i);
    if (r != i + 1 && r != i + 2) s_bad.fetch_add(1, std::memory_order_relaxed);
  }
}

std::string handle(const std::string& command) {
  if (command == "start") {
    s_running = true;
    for (int t = 0; t < 2; ++t) s_threads.emplace_back(worker);
    return "started";
  }
  if (command == "stop") {
    s_running = false;
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "bad " + std::to_string(s_bad.load());
  }
  if (command.rfind("fail-mprotect ", 0) == 0) {
    g_mprotect_countdown = std::stoi(command.substr(14));
    return "armed";
  }
  if (command == "armed") return g_mprotect_countdown.load() >= 0 ? "yes" : "no";
  if (command == "disarm") {
    g_mprotect_countdown = -1;
    return "disarmed";
  }
  if (command == "work") return std::to_string(work(1));
  if (command == "inits") return std::to_string(g_inits);
  return "unknown " + command;
}
