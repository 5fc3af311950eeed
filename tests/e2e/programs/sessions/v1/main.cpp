// A store whose sessions live on the heap (a map of unique_ptr, carts in vectors, peers by
// raw pointer, an item shared between owners), served by four threads that reach update
// points and one that waits in an idle scope. Release 2 changes Item and Session: every
// object moves while the threads are held, and the invariants (requests add up, peers point
// to the next session, favourites stay shared) hold before, across and after each update.
#include <hotswap/hotswap.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "store.h"

// The bytes the program's heap holds, as its allocator counts them (AddressSanitizer's own
// when it is built with it).
#ifdef __SANITIZE_ADDRESS__
#define SESSIONS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SESSIONS_ASAN 1
#endif
#endif
#ifdef SESSIONS_ASAN
// Declared here: GCC ships no <sanitizer/allocator_interface.h>; the sanitizer runtime has it.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
static std::size_t heap_in_use() { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static std::size_t heap_in_use() { return mallinfo2().uordblks; }
#endif

namespace {
std::atomic<bool> s_stop{false};
std::vector<std::thread> s_threads;
std::thread s_holder;  // "hold N": parks at update points with session N's address
std::atomic<bool> s_holding{false}, s_held{false};

void hold_session(int id) {
  void* volatile held = app::session_address(id);  // on this stack at every update point
  hotswap::update_point();
  s_held = true;
  while (s_holding) hotswap::update_point();
  (void)held;
}

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
    app::open_sessions(std::stoi(command.substr(5)));
    return "opened";
  }
  if (command == "start") {
    for (unsigned t = 0; t < 4; ++t)
      s_threads.emplace_back([t] {
        for (unsigned seed = t * 7919; !s_stop; ++seed) {
          app::serve(seed);
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
  if (command.rfind("hold ", 0) == 0) {
    s_holding = true;
    s_held = false;
    s_holder = std::thread(hold_session, std::stoi(command.substr(5)));
    while (!s_held) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return "holding";
  }
  if (command == "release") {
    s_holding = false;
    s_holder.join();
    return "released";
  }
  if (command == "audit") return app::audit();
  if (command == "heap") return std::to_string(heap_in_use());
  if (command.rfind("describe ", 0) == 0) return app::describe(std::stoi(command.substr(9)));
  if (command.rfind("overflow ", 0) == 0) return app::overflow(std::stoi(command.substr(9)));
  if (command.rfind("serve ", 0) == 0) {
    app::serve(static_cast<unsigned>(std::stoul(command.substr(6))));
    return "served";
  }
  return "unknown command";
}
