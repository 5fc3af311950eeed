#include <atomic>
#include <string>
#include <thread>

void spin();
int release();
extern std::atomic<bool> g_stop;
extern std::atomic<long> g_ticks;

static std::thread s_spinner;

std::string handle(const std::string& command) {
  if (command == "start") {
    s_spinner = std::thread(spin);
    return "started";
  }
  if (command == "stop") {
    g_stop = true;
    s_spinner.join();
    return "stopped";
  }
  if (command == "spinning") return g_ticks.load() > 0 ? "yes" : "no";
  if (command == "release") return std::to_string(release());
  return "unknown " + command;
}
