// A worker: one thread's epoll loop with its own listening socket (SO_REUSEPORT), file
// cache, access-log buffer and connections. Workers share nothing but counters, the root
// directory and the stop signal, so they take no locks.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>
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

// What all workers share; owned by main().
struct SharedServer {
  const Options* options = nullptr;
  int root_fd = -1;        // the document root (O_PATH directory)
  int access_log_fd = -1;  // -1: no access log
  int stop_fd = -1;        // an eventfd that becomes readable on SIGTERM/SIGINT
  ServerStats* stats = nullptr;
};

class Worker {
 public:
  // Takes ownership of `listen_fd`.
  Worker(const SharedServer& shared, int listen_fd, WorkerCounters* counters);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Status init();

  // Serves until a stop signal has been handled and the connections have drained (or the
  // shutdown timeout passed).
  void run();

 private:
  // One iteration of the event loop. Not inlined, so that after a live update the next
  // iteration runs the new code. Returns false when the worker is done.
  HTTPD_LOOP_BODY bool run_once();

  void accept_connections();
  void reject(int fd);
  void on_connection_event(Connection* connection, std::uint32_t events);
  void file_under_timeout(Connection* connection);
  void expire_timeouts();
  void begin_shutdown();
  void close_connection(Connection* connection);
  Connection* take_connection();

  const SharedServer& shared_;
  const Options& options_;
  int listen_fd_;
  int epoll_fd_ = -1;
  int spare_fd_ = -1;  // released to accept-and-close when out of descriptors
  WorkerCounters* counters_;

  Clock clock_;
  FileCache cache_;
  std::unique_ptr<AccessLog> access_log_;
  TimeoutList head_timeouts_;
  TimeoutList idle_timeouts_;
  TimeoutList linger_timeouts_;  // lingering connections, by their last event

  std::vector<std::unique_ptr<Connection>> connections_;  // every Connection made
  std::vector<Connection*> free_;                         // the closed ones, for reuse
  int open_ = 0;

  ConnectionContext context_;
  std::unique_ptr<char[]> path_scratch_;
  ByteBuffer location_;
  std::string status_body_;

  std::vector<epoll_event> events_;
  std::int64_t next_sweep_ms_ = 0;
  std::time_t last_log_flush_ = 0;
  bool stopping_ = false;
  std::int64_t stop_deadline_ms_ = 0;
};

}  // namespace httpd
