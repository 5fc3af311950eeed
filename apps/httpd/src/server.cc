// The event loop. Connections are registered once, edge-triggered for input and output, so
// the steady state makes no epoll_ctl calls; the listening socket is level-triggered and
// accepts in batches.
#include "server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "listen_socket.h"

namespace httpd {
namespace {

// epoll tags for the descriptors that are not connections.
char kListenTag;
char kStopTag;
char kWakeTag;

constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerWakeup = 256;
constexpr int kSweepIntervalMs = 100;

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

}  // namespace

Worker::Worker(const SharedServer& shared, int listen_fd, WorkerCounters* counters)
    : shared_(shared),
      options_(*shared.options),
      listen_fd_(listen_fd),
      counters_(counters),
      cache_(shared.root_fd, cache_limits(*shared.options)),
      head_timeouts_(shared.options->header_timeout_ms),
      idle_timeouts_(shared.options->idle_timeout_ms),
      linger_timeouts_(kLingerQuietMs),
      path_scratch_(new char[kMaxTargetBytes + 2]),
      location_(256),
      events_(kMaxEvents) {
  if (shared.access_log_fd >= 0) access_log_ = std::make_unique<AccessLog>(shared.access_log_fd);
  context_.handler.cache = &cache_;
  context_.handler.stats = shared.stats;
  context_.handler.path_scratch = path_scratch_.get();
  context_.handler.location = &location_;
  context_.handler.status_body = &status_body_;
  context_.clock = &clock_;
  context_.access_log = access_log_.get();
  context_.counters = counters_;
}

Worker::~Worker() {
  for (auto& c : connections_) {
    if (c->fd() >= 0) c->close();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (spare_fd_ >= 0) close(spare_fd_);
}

Status Worker::init() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Error{std::string("epoll_create1: ") + std::strerror(errno)};
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto add = [&](int fd, void* tag) {
    epoll_event event = {};
    event.events = EPOLLIN;
    event.data.ptr = tag;
    return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
  };
  if (!add(listen_fd_, &kListenTag) || !add(shared_.stop_fd, &kStopTag)) {
    return Error{std::string("epoll_ctl: ") + std::strerror(errno)};
  }
  int wake = live::wake_fd();
  if (wake >= 0 && !add(wake, &kWakeTag)) {
    return Error{std::string("epoll_ctl(wake fd): ") + std::strerror(errno)};
  }
  return Status();
}

void Worker::run() {
  while (run_once()) {
  }
  for (auto& c : connections_) {
    if (c->fd() >= 0) close_connection(c.get());
  }
  if (access_log_) access_log_->flush();
}

bool Worker::run_once() {
  live::update_point();
  int timeout_ms = stopping_ ? 20 : kSweepIntervalMs * 5;
  int n = live::wait(epoll_fd_, events_.data(), kMaxEvents, timeout_ms);
  clock_.update();
  for (int i = 0; i < n; ++i) {
    void* tag = events_[i].data.ptr;
    if (tag == &kListenTag) {
      accept_connections();
    } else if (tag == &kStopTag) {
      begin_shutdown();
    } else if (tag == &kWakeTag) {
      live::update_point();
    } else {
      on_connection_event(static_cast<Connection*>(tag), events_[i].events);
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
  const int max_connections = options_.max_connections;
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
    if (shared_.stats->open_connections.fetch_add(1, std::memory_order_relaxed) >=
        max_connections) {
      shared_.stats->open_connections.fetch_sub(1, std::memory_order_relaxed);
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
    event.data.ptr = c;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      c->close();
      free_.push_back(c);
      shared_.stats->open_connections.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    ++open_;
    WorkerCounters::bump(counters_->accepted, 1);
    WorkerCounters::bump(counters_->open, 1);
    head_timeouts_.push_back(c, clock_.now_ms());
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
  if (!c->on_event(events, context_)) {
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
    linger_timeouts_.push_back(c, clock_.now_ms());  // quiet since now
  } else if (c->waiting_for_head()) {
    bool progress = c->take_progress();
    if (c->list != &head_timeouts_ || progress) head_timeouts_.push_back(c, clock_.now_ms());
  } else {
    idle_timeouts_.push_back(c, clock_.now_ms());
  }
}

void Worker::expire_timeouts() {
  std::int64_t now = clock_.now_ms();
  while (TimeoutNode* node = head_timeouts_.first_expired(now)) {
    auto* c = static_cast<Connection*>(node);
    c->answer_timeout(context_);
    close_connection(c);
  }
  while (TimeoutNode* node = idle_timeouts_.first_expired(now)) {
    close_connection(static_cast<Connection*>(node));
  }
  while (TimeoutNode* node = linger_timeouts_.first_expired(now)) {
    close_connection(static_cast<Connection*>(node));
  }
}

// Stop accepting, close connections that wait for nothing, let the others finish their
// current answer (which says "Connection: close").
void Worker::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ms_ = clock_.now_ms() + options_.shutdown_timeout_ms;
  context_.handler.shutting_down = true;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, shared_.stop_fd, nullptr);
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
  c->close();
  free_.push_back(c);
  --open_;
  WorkerCounters::bump(counters_->open, -1);
  shared_.stats->open_connections.fetch_sub(1, std::memory_order_relaxed);
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
