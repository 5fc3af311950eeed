// The event loop. Connections are registered once, edge-triggered for input and output, so
// the steady state makes no epoll_ctl calls; the listening socket is level-triggered and
// accepts in batches. epoll names a connection by its descriptor, never by address: what
// the kernel holds stays right when a live update moves the connections
// (README.md, "Live-update notes").
#include "server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <strings.h>

#include "listen_socket.h"

namespace httpd {
namespace {

constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerWakeup = 256;
constexpr int kSweepIntervalMs = 100;
// The worker's timeout lists (TimeoutLists).
constexpr int kHeadList = 0;    // waiting for (the rest of) a request head
constexpr int kIdleList = 1;    // keep-alive, or a write that makes no progress
constexpr int kLingerList = 2;  // lingering close, by the last event

constexpr std::string_view kOverloadAnswer =
    "HTTP/1.1 503 Service Unavailable\r\nServer: hotswap-httpd\r\nContent-Length: 0\r\n"
    "Connection: close\r\n\r\n";

CacheLimits cache_limits(const Options& o) {
  CacheLimits limits;
  limits.max_file_bytes = o.cache_max_file_bytes;
  limits.max_bytes = o.cache_max_bytes;
  limits.max_entries = static_cast<std::size_t>(o.cache_max_entries);
  limits.revalidate_ms = o.cache_revalidate_ms;
  return limits;
}

// Stack below the caller that a conservative scan may read: what deeper calls left there is
// overwritten, so that a pointer into a worker's state from the last iteration is not
// mistaken for one held across the update point (the runtime refuses an update while a
// thread holds one). A few hundred bytes are in use below the loop while it waits.
[[gnu::noinline]] void clear_stack_below() {
  if (!live::enabled()) return;
  char below[2048];
  explicit_bzero(below, sizeof below);
}

// Waits for the next events of worker `index`. Reads only what g_loops holds, so that no
// pointer to the worker is computed on this path (see clear_stack_below).
struct Loop {
  int epoll_fd = -1;
  epoll_event* events = nullptr;
  int timeout_ms = 0;
};
std::vector<Loop> g_loops;

[[gnu::noinline]] int wait_for_events(int index) {
  const Loop& loop = g_loops[static_cast<std::size_t>(index)];
  return live::wait(loop.epoll_fd, loop.events, kMaxEvents, loop.timeout_ms);
}

// The rest of an iteration, with the worker found anew through the running code.
[[gnu::noinline]] bool handle_events(int index, int count) {
  Worker& worker = *g_server.workers[static_cast<std::size_t>(index)];
  bool more = worker.handle(count);
  Loop& loop = g_loops[static_cast<std::size_t>(index)];
  loop.epoll_fd = worker.epoll_fd();
  loop.events = worker.events();
  loop.timeout_ms = worker.wait_timeout_ms();
  return more;
}

// One iteration of worker `index`'s event loop. It holds nothing but the index: at its
// update points no pointer into the server's state is live on this thread's stack, and
// after an update the next call runs the new code on the moved state.
HTTPD_LOOP_BODY bool run_once(int index) {
  clear_stack_below();
  live::update_point();
  int count = wait_for_events(index);
  return handle_events(index, count);
}

}  // namespace

Options g_options;
ServerStats g_stats;
Server g_server;

Expected<std::vector<std::thread>> start_workers(const std::vector<int>& listen_fds) {
  for (int i = 0; i < g_options.threads; ++i) {
    g_stats.workers.push_back(std::make_unique<WorkerCounters>());
  }
  g_loops.resize(static_cast<std::size_t>(g_options.threads));
  for (int i = 0; i < g_options.threads; ++i) {
    auto index = static_cast<std::size_t>(i);
    g_server.workers.push_back(std::make_unique<Worker>());
    Worker& worker = *g_server.workers.back();
    Status status = worker.init(listen_fds[index], g_stats.workers[index].get());
    if (!status) return status.error();
    g_loops[index] = {worker.epoll_fd(), worker.events(), worker.wait_timeout_ms()};
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < g_options.threads; ++i) threads.emplace_back([i] { serve(i); });
  return threads;
}

namespace {
[[gnu::noinline]] void finish_worker(int index) { g_server.workers[static_cast<std::size_t>(index)]->finish(); }
}  // namespace

// Like run_once(), below the thread's bottom frames and touching no state itself: a
// release that changes the state's types replaces every function that does, and a thread
// must not be inside one at its update point.
[[gnu::noinline]] void serve(int index) {
  while (run_once(index)) {
  }
  finish_worker(index);
}

Status Worker::init(int listen_fd, WorkerCounters* counters) {
  listen_fd_ = listen_fd;
  counters_ = counters;
  cache_ = FileCache(g_server.root_fd, cache_limits(g_options));
  timeouts_ = TimeoutLists({g_options.header_timeout_ms, g_options.idle_timeout_ms, kLingerQuietMs});
  path_scratch_.reset(new char[kMaxTargetBytes + 2]);
  location_.reserve(256);
  events_.resize(kMaxEvents);
  if (g_server.access_log_fd >= 0) access_log_ = std::make_unique<AccessLog>(g_server.access_log_fd);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Error{std::string("epoll_create1: ") + std::strerror(errno)};
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto add = [&](int fd) {
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.fd = fd;
    return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
  };
  if (!add(listen_fd_) || !add(g_server.stop_fd)) {
    return Error{std::string("epoll_ctl: ") + std::strerror(errno)};
  }
  int wake = live::wake_fd();
  if (wake >= 0 && !add(wake)) {
    return Error{std::string("epoll_ctl(wake fd): ") + std::strerror(errno)};
  }
  return Status();
}

Worker::~Worker() {
  for (auto& c : connections_) {
    if (c->fd() >= 0) c->close();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (spare_fd_ >= 0) close(spare_fd_);
}

ConnectionContext Worker::context() {
  ConnectionContext ctx;
  ctx.handler.cache = &cache_;
  ctx.handler.stats = &g_stats;
  ctx.handler.now_ms = clock_.now_ms();
  ctx.handler.shutting_down = stopping_;
  ctx.handler.path_scratch = path_scratch_.get();
  ctx.handler.location = &location_;
  ctx.handler.status_body = &status_body_;
  ctx.clock = &clock_;
  ctx.access_log = access_log_.get();
  ctx.counters = counters_;
  return ctx;
}

int Worker::wait_timeout_ms() const { return stopping_ ? 20 : kSweepIntervalMs * 5; }

void Worker::finish() {
  for (auto& c : connections_) {
    if (c->fd() >= 0) close_connection(c.get());
  }
  if (access_log_) access_log_->flush();
}

bool Worker::handle(int n) {
  clock_.update();
  const int wake = live::wake_fd();
  for (int i = 0; i < n; ++i) {
    int fd = events_[static_cast<std::size_t>(i)].data.fd;
    if (fd == listen_fd_) {
      accept_connections();
    } else if (fd == g_server.stop_fd) {
      begin_shutdown();
    } else if (fd == wake) {
      // An update waits: the next run_once() parks at its update point, where this thread
      // holds nothing. Parking here, inside the worker, would hold the worker's address.
    } else if (static_cast<std::size_t>(fd) < by_fd_.size() && by_fd_[static_cast<std::size_t>(fd)] != nullptr) {
      on_connection_event(by_fd_[static_cast<std::size_t>(fd)], events_[static_cast<std::size_t>(i)].events);
    }
  }
  if (clock_.now_ms() >= next_sweep_ms_) {
    next_sweep_ms_ = clock_.now_ms() + kSweepIntervalMs;
    expire_timeouts();
    if (access_log_ && clock_.wall_seconds() != last_log_flush_) {
      last_log_flush_ = clock_.wall_seconds();
      access_log_->flush();
    }
  }
  if (stopping_) return open_ > 0 && clock_.now_ms() < stop_deadline_ms_;
  return true;
}

void Worker::accept_connections() {
  const int max_connections = g_options.max_connections;
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
        // Out of descriptors: the pending connection would keep the level-triggered
        // listener ready forever. Free the spare, refuse one client, take the spare back.
        close(spare_fd_);
        int refused = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (refused >= 0) reject(refused);
        spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      return;  // EAGAIN: drained
    }
    if (g_stats.open_connections.fetch_add(1, std::memory_order_relaxed) >=
        max_connections) {
      g_stats.open_connections.fetch_sub(1, std::memory_order_relaxed);
      reject(fd);
      continue;
    }
    Connection* c = take_connection();
    if (access_log_) {
      c->open(fd, peer_text(peer));
    } else {
      c->open(fd, "");
    }
    epoll_event event = {};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      c->close();
      free_.push_back(c);
      g_stats.open_connections.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    ++open_;
    if (by_fd_.size() <= static_cast<std::size_t>(fd)) by_fd_.resize(static_cast<std::size_t>(fd) + 1);
    by_fd_[static_cast<std::size_t>(fd)] = c;
    WorkerCounters::bump(counters_->accepted, 1);
    WorkerCounters::bump(counters_->open, 1);
    timeouts_.push_back(kHeadList, fd, clock_.now_ms(), node_of());
    // The request often arrives with the connection: try it now, not after another wait.
    on_connection_event(c, EPOLLIN);
  }
}

void Worker::reject(int fd) {
  ssize_t ignored =
      send(fd, kOverloadAnswer.data(), kOverloadAnswer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)ignored;
  close(fd);
}

void Worker::on_connection_event(Connection* c, std::uint32_t events) {
  ConnectionContext ctx = context();
  if (!c->on_event(events, ctx)) {
    close_connection(c);
    return;
  }
  file_under_timeout(c);
}

// A connection waiting for (the rest of) a request head is timed from when it started
// waiting (or last had a request answered), not from its last byte, so a client trickling
// bytes cannot hold it open.
void Worker::file_under_timeout(Connection* c) {
  if (stopping_ && c->idle()) {
    close_connection(c);
  } else if (c->lingering()) {
    timeouts_.push_back(kLingerList, c->fd(), clock_.now_ms(), node_of());  // quiet since now
  } else if (c->waiting_for_head()) {
    bool progress = c->take_progress();
    if (c->timeout.list != kHeadList || progress) timeouts_.push_back(kHeadList, c->fd(), clock_.now_ms(), node_of());
  } else {
    timeouts_.push_back(kIdleList, c->fd(), clock_.now_ms(), node_of());
  }
}

void Worker::expire_timeouts() {
  std::int64_t now = clock_.now_ms();
  for (int fd; (fd = timeouts_.first_expired(kHeadList, now, node_of())) >= 0;) {
    Connection* c = by_fd_[static_cast<std::size_t>(fd)];
    ConnectionContext ctx = context();
    c->answer_timeout(ctx);
    close_connection(c);
  }
  for (int list : {kIdleList, kLingerList}) {
    for (int fd; (fd = timeouts_.first_expired(list, now, node_of())) >= 0;) {
      close_connection(by_fd_[static_cast<std::size_t>(fd)]);
    }
  }
}

// Stop accepting, close connections that wait for nothing, let the others finish their
// current answer (which says "Connection: close").
void Worker::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ms_ = clock_.now_ms() + g_options.shutdown_timeout_ms;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, g_server.stop_fd, nullptr);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  close(listen_fd_);
  listen_fd_ = -1;
  for (auto& c : connections_) {
    if (c->fd() < 0) continue;
    if (c->idle()) {
      close_connection(c.get());
    } else if (c->writing()) {
      c->stop_after_response();
    }
  }
}

void Worker::close_connection(Connection* c) {
  timeouts_.remove(c->fd(), node_of());
  by_fd_[static_cast<std::size_t>(c->fd())] = nullptr;
  c->close();
  free_.push_back(c);
  --open_;
  WorkerCounters::bump(counters_->open, -1);
  g_stats.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

Connection* Worker::take_connection() {
  if (!free_.empty()) {
    Connection* c = free_.back();
    free_.pop_back();
    return c;
  }
  connections_.push_back(std::make_unique<Connection>());
  return connections_.back().get();
}

}  // namespace httpd
