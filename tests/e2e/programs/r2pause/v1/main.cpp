// Threads waiting in calls that return after any signal handler runs, whatever SA_RESTART
// says (pause, sigsuspend), or that return early (sleep), and one that waits for a
// shutdown signal with pause() and then ends the process, a common design. By default no
// apply or revert may signal them; reclamation by scanning (HOTSWAP_RECLAIM=scan) does.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int work(int x);

static std::atomic<int> s_pause_returned{0}, s_sleep_returned{0};
static std::atomic<unsigned> s_sleep_left{0};
static volatile sig_atomic_t s_terminate = 0;

std::string handle(const std::string& command) {
  if (command == "start") {
    std::thread([] {
      pause();
      s_pause_returned = 1;
    }).detach();
    std::thread([] {
      s_sleep_left = sleep(1000);
      s_sleep_returned = 1;
    }).detach();
    usleep(200000);
    return "started";
  }
  if (command == "shutdown-on-signal") {
    // The usual "wait for SIGTERM, then clean up and exit" thread.
    signal(SIGTERM, [](int) { s_terminate = 1; });
    std::thread([] {
      pause();
      std::_Exit(0);  // a signal came: shut down
    }).detach();
    usleep(200000);
    return "waiting for a signal";
  }
  if (command == "status")
    return "pause returned " + std::to_string(s_pause_returned.load()) + ", sleep returned " +
           std::to_string(s_sleep_returned.load()) + " with " + std::to_string(s_sleep_left.load()) + " s left";
  if (command == "work") return std::to_string(work(1));
  if (command == "ballast") {  // 16 MiB of heap that reclamation would have to scan
    static std::vector<char> ballast(16 << 20, 1);
    return "ballast " + std::to_string(ballast.size() >> 20) + " MiB";
  }
  return "unknown " + command;
}
