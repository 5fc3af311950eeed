// A worker: one thread's epoll loop with its own listening socket (SO_REUSEPORT), file
// cache, access-log buffer and connections. Workers share nothing but counters, the root
// directory and the stop signal, so they take no locks.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "access_log.h"
#include "clock.h"
#include "connection.h"
#include "expected.h"
#include "file_cache.h"
#include "live_update.h"
#include "options.h"
#include "request_parser.h"
#include "stats.h"
#include "timeout_list.h"

namespace httpd {

class Worker {
 public:
  // Default-constructible and without references to anything outside itself: a release
  // that changes the type of what a worker holds rebuilds the worker (README.md, "Live-update notes").
  Worker() = default;
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Takes ownership of `listen_fd`; `counters` is the worker's entry in g_stats.
  Status init(int listen_fd, WorkerCounters* counters);

  // The halves of one iteration of the event loop, which serve() runs: what to wait on,
  // then the events that came. handle() returns false when the worker is done.
  int epoll_fd() const { return epoll_fd_; }
  epoll_event* events() { return events_.data(); }
  int wait_timeout_ms() const;
  bool handle(int count);
  // After the loop: closes every connection and flushes the log.
  void finish();

 private:
  void accept_connections();
  void reject(int fd);
  void on_connection_event(Connection* connection, std::uint32_t events);
  void file_under_timeout(Connection* connection);
  void expire_timeouts();
  void begin_shutdown();
  void close_connection(Connection* connection);
  Connection* take_connection();
  // What a connection needs for one call, made anew each time: a worker keeps no pointers
  // into itself (a live update may move it).
  ConnectionContext context();
  auto node_of() {
    return [this](int fd) -> TimeoutNode& { return by_fd_[static_cast<std::size_t>(fd)]->timeout; };
  }

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int spare_fd_ = -1;  // released to accept-and-close when out of descriptors
  WorkerCounters* counters_ = nullptr;

  Clock clock_;
  FileCache cache_;
  std::unique_ptr<AccessLog> access_log_;
  TimeoutLists timeouts_;  // head, idle and lingering (kHeadList...)

  std::vector<std::unique_ptr<Connection>> connections_;  // every Connection made
  std::vector<Connection*> free_;                         // the closed ones, for reuse
  // The open connections by descriptor: what epoll events and the timeout lists name.
  std::vector<Connection*> by_fd_;
  int open_ = 0;

  std::unique_ptr<char[]> path_scratch_;
  ByteBuffer location_;
  std::string status_body_;

  std::vector<epoll_event> events_;
  std::int64_t next_sweep_ms_ = 0;
  std::time_t last_log_flush_ = 0;
  bool stopping_ = false;
  std::int64_t stop_deadline_ms_ = 0;
};

// The server's live state is held by globals, where a release that changes a type finds
// every instance of it and moves it (README.md, "Live-update notes"): the options, the counters, and
// the workers with their connections and caches. main() fills them before serving.
struct Server {
  int root_fd = -1;        // the document root (O_PATH directory)
  int access_log_fd = -1;  // -1: no access log
  int stop_fd = -1;        // an eventfd that becomes readable on SIGTERM/SIGINT
  std::vector<std::unique_ptr<Worker>> workers;
};

extern Options g_options;
extern ServerStats g_stats;
extern Server g_server;

// Creates g_server's workers (one per --threads, each with its listening socket from
// `listen_fds`) and starts a thread serving each. Returns the threads, or an error.
Expected<std::vector<std::thread>> start_workers(const std::vector<int>& listen_fds);

// Runs worker `index` of g_server until it is done.
void serve(int index);

}  // namespace httpd
