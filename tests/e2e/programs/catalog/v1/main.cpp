// The catalog served by four threads that reach update points and one that waits in an
// idle scope; release 2 changes the key of both maps, which move while the threads are held.
#include <hotswap/hotswap.h>
#include <poll.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "catalog.h"

namespace {
std::atomic<bool> s_stop{false};
std::vector<std::thread> s_threads;

void idle_loop() {
  while (!s_stop) {
    bool woken = false;
    {
      hotswap::idle_scope idle;
      pollfd fd{hotswap::wake_fd(), POLLIN, 0};
      woken = poll(&fd, 1, 5) == 1;
    }
    if (woken) hotswap::update_point();
  }
}
}  // namespace

std::string handle(const std::string& command) {
  if (command.rfind("open ", 0) == 0) {
    app::open_catalog(std::stoi(command.substr(5)), 100);
    return "opened";
  }
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          app::sell(seed);
          hotswap::update_point();
        }
      });
    s_threads.emplace_back(idle_loop);
    return "started";
  }
  if (command == "stop") {
    s_stop = true;
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "stopped";
  }
  if (command == "audit") return app::audit();
  return "unknown command";
}
