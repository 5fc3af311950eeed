// A bank whose state lives in a global struct that release 2 changes (a member added, one
// renamed, one widened), moved live while four threads transfer money between accounts and
// one waits in an idle scope. The total never changes and the transfer count never goes
// back: the state moved whole, at a moment no thread was inside a transfer.
#include <hotswap/hotswap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

void transfer(unsigned seed);
std::string audit();
void hog();                // uses the bank and never reaches an update point
void stall();              // reaches one update point, then none until released
void inner_loop();         // reaches update points inside code the patch replaces
std::string apply_from_inside(const std::string& path);
void hold_pointer();       // parks at update points with a pointer to the bank
extern std::atomic<bool> g_release;

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
    if (woken) hotswap::update_point();  // an update waits: be where it can happen
  }
}
}  // namespace

std::string handle(const std::string& command) {
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          transfer(seed);
          hotswap::update_point();
        }
      });
    s_threads.emplace_back(idle_loop);
    return "started";
  }
  if (command == "stop") {
    s_stop = true;
    g_release = true;
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "stopped";
  }
  if (command == "hog") {
    g_release = false;
    std::thread(hog).detach();
    return "hogging";
  }
  if (command == "hog-unseen") {  // the same, with every signal blocked: it cannot be sampled
    g_release = false;
    std::thread([] {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
      hog();
    }).detach();
    return "hogging unseen";
  }
  if (command == "inner") {
    g_release = false;
    std::thread(inner_loop).detach();
    return "looping inside";
  }
  if (command == "stall") {
    g_release = false;
    std::thread(stall).detach();
    return "stalling";
  }
  if (command == "hold") {
    g_release = false;
    std::thread(hold_pointer).detach();
    return "holding";
  }
  if (command == "release") {
    g_release = true;
    return "released";
  }
  if (command == "audit") return audit();
  if (command.rfind("apply-inside ", 0) == 0) return apply_from_inside(command.substr(13));
  return "unknown " + command;
}
