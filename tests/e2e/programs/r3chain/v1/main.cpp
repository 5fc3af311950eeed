// From a third review: a patch linked on top of another calls into it by displacement,
// which no scan sees; while the upper one is kept, the lower one must be too.
#include <atomic>
#include <string>
#include <thread>

void spin();
int probe();
extern std::atomic<bool> g_stop;
extern std::atomic<long> g_rounds;

std::string handle(const std::string& command) {
  if (command == "start") {
    std::thread([] { spin(); }).detach();
    return "started";
  }
  if (command == "rounds") return g_rounds.load() > 0 ? "turning" : "still";
  if (command == "stop") {
    g_stop = true;
    return "stopped";
  }
  if (command == "probe") return std::to_string(probe());
  return "unknown " + command;
}
