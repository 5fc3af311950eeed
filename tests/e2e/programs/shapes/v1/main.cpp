// Four threads draw shapes between update points; one waits in an idle scope. The generated
// transform file, unedited, rebuilds each shape as a new object of the new release (its own
// vtable pointer), and refuses an object of a derived class behind a pointer to the base.
#include <hotswap/hotswap.h>
#include <poll.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "shapes.h"

namespace {
std::atomic<bool> s_stop{false};
std::vector<std::thread> s_threads;
}  // namespace

std::string handle(const std::string& command) {
  if (command.rfind("fill ", 0) == 0) {
    art::fill(std::stoi(command.substr(5)));
    return "filled";
  }
  if (command == "add-square") {
    art::add_square();
    return "added";
  }
  if (command == "drop-squares") {
    art::drop_squares();
    return "dropped";
  }
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          art::draw(seed);
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
  if (command == "audit") return art::audit();
  return "unknown command";
}
