// A program signal (a periodic timer) whose handler moves a pointer between two places, a
// low heap object and a slot in a mapping high in memory, a 48 MiB buffer between them. No
// such handler may run while reclamation holds the world and scans: moving the pointer
// from the part not yet scanned to the part already scanned would hide it.
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

struct Holder {
  const char* label;
};
Holder* g_low = new Holder{"label v1"};  // low in the heap: scanned first
Holder* g_high = nullptr;                // in a mapping above a large buffer: scanned last

void set();

namespace {
std::atomic<int> g_ticks{0};
void on_alarm(int) {
  // Moves the label to the other holder: the program's own business, in its own handler.
  if (g_high->label) {
    g_low->label = g_high->label;
    g_high->label = nullptr;
  } else {
    g_high->label = g_low->label;
    g_low->label = nullptr;
  }
  g_ticks.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

std::string handle(const std::string& command) {
  if (command == "start") {
    // Mapped first: the highest address; then the buffer below it.
    void* high = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_high = static_cast<Holder*>(high);
    g_high->label = nullptr;
    void* buffer = mmap(nullptr, 48u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    std::memset(buffer, 1, 48u << 20);
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, nullptr);  // this (the driver's) thread never takes it
    signal(SIGALRM, on_alarm);
    std::thread([] {
      sigset_t alarm;
      sigemptyset(&alarm);
      sigaddset(&alarm, SIGALRM);
      pthread_sigmask(SIG_UNBLOCK, &alarm, nullptr);
      for (;;) pause();  // the thread that takes the timer's signals
    }).detach();
    itimerval every{{0, 700}, {0, 700}};
    setitimer(ITIMER_REAL, &every, nullptr);
    usleep(50000);
    return g_ticks.load() > 0 ? "ticking" : "no ticks";
  }
  if (command == "set") {
    set();
    return "set";
  }
  if (command == "label") {
    const char* l = g_low->label ? g_low->label : g_high->label;
    return l ? l : "none";
  }
  return "unknown " + command;
}
