// Four threads edit the canvas between update points; one waits in an idle scope. The
// generated transform file, unedited, moves every form of state in it (docs/type-updates.md).
#include <hotswap/hotswap.h>
#include <poll.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "canvas.h"

namespace {
std::atomic<bool> s_stop{false};
std::vector<std::thread> s_threads;
}  // namespace

std::string handle(const std::string& command) {
  if (command == "fill") {
    geo::fill();
    return "filled";
  }
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          geo::draw(seed);
          hotswap::update_point();
        }
      });
    s_threads.emplace_back([] {
      while (!s_stop) {
        bool woken = false;
        {
          hotswap::idle_scope idle;
          pollfd fd{hotswap::wake_fd(), POLLIN, 0};
          woken = poll(&fd, 1, 5) == 1;
        }
        if (woken) hotswap::update_point();
      }
    });
    return "started";
  }
  if (command == "stop") {
    s_stop = true;
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "stopped";
  }
  if (command == "audit") return geo::audit();
  return "unknown command";
}
