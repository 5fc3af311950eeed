// Threads blocked in calls the kernel never restarts after a signal handler (epoll_wait,
// nanosleep, recv with a timeout) count how often they see EINTR while patches apply.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

int work(int x);

static std::atomic<bool> s_running{false};
static std::atomic<int> s_eintr{0}, s_waiting{0};
static std::vector<std::thread> s_threads;
static int s_stop_fd = -1, s_sockets[2] = {-1, -1};

static void count(int result) {
  if (result < 0 && errno == EINTR) s_eintr.fetch_add(1);
}

static void in_epoll_wait() {
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, s_stop_fd, &ev);
  s_waiting.fetch_add(1);
  while (s_running) {
    epoll_event out;
    count(epoll_wait(ep, &out, 1, 10000));
  }
  close(ep);
}

static void in_nanosleep() {
  s_waiting.fetch_add(1);
  while (s_running) {
    timespec t{0, 50 * 1000 * 1000};
    count(nanosleep(&t, nullptr));
  }
}

static void in_recv() {
  timeval tv{10, 0};
  setsockopt(s_sockets[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  s_waiting.fetch_add(1);
  while (s_running) {
    char c;
    ssize_t n = recv(s_sockets[0], &c, 1, 0);
    if (n == 0) break;
    count(static_cast<int>(n));
  }
}

std::string handle(const std::string& command) {
  if (command == "start") {
    s_stop_fd = eventfd(0, 0);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s_sockets);
    s_running = true;
    s_threads.emplace_back(in_epoll_wait);
    s_threads.emplace_back(in_nanosleep);
    s_threads.emplace_back(in_recv);
    while (s_waiting.load() < 3) std::this_thread::yield();
    return "started";
  }
  if (command == "stop") {
    s_running = false;
    std::uint64_t one = 1;
    (void)!write(s_stop_fd, &one, sizeof one);
    shutdown(s_sockets[1], SHUT_RDWR);
    for (auto& t : s_threads) t.join();
    s_threads.clear();
    return "stopped";
  }
  if (command == "eintr") return std::to_string(s_eintr.load());
  if (command == "work") return std::to_string(work(1));
  return "unknown " + command;
}
