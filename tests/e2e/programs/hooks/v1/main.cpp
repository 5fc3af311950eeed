#include <hotswap/hotswap.h>

#include <atomic>
#include <string>
#include <thread>

std::string set_hooks(const std::string& what);
std::string describe_hooks();

namespace {
std::thread s_parked;
std::atomic<bool> s_release{false}, s_parked_ready{false};
}  // namespace

// Keeps a function's address in a local while it waits at update points (the same code in
// both releases): the release that started it chose the function.
[[gnu::noinline]] void park_holding(long (*f)()) {
  long (*volatile held)() = f;
  while (!s_release) {
    hotswap::update_point();
    s_parked_ready = true;
  }
  (void)held();
}

void start_parked(long (*f)()) {
  s_release = false;
  s_parked_ready = false;
  s_parked = std::thread(park_holding, f);
  while (!s_parked_ready) std::this_thread::yield();
}

std::string handle(const std::string& command) {
  if (command.rfind("set ", 0) == 0) return set_hooks(command.substr(4));
  if (command == "describe") return describe_hooks();
  if (command == "release") {
    s_release = true;
    if (s_parked.joinable()) s_parked.join();
    return "released";
  }
  return "unknown " + command;
}
