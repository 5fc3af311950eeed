// The connection's loop: answer every complete request already buffered (up to a batch of
// output), write, and read more only when nothing is left to answer. Small bodies are
// copied behind their headers so that pipelined answers leave in one write; larger cached
// bodies go out with writev straight from the cache, and files beyond the cache's size
// limit with sendfile. On loopback, sendfile overtakes copying at about 8 KiB (measured
// with bench/httpd/run): hence the cache's default --cache-max-file.
#include "connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "llhttp.h"

namespace httpd {
namespace {

// Bodies up to this size are copied into the output buffer (one write for header and
// body, and pipelined answers batch); larger ones are written from the cache with writev.
constexpr std::uint64_t kCopyBodyMaxBytes = 4 * 1024;
// Stop answering pipelined requests once this much output waits.
constexpr std::size_t kOutputBatchBytes = 32 * 1024;
// Compact the input buffer when less than this is free at its end.
constexpr std::uint32_t kMinReadSpace = 4096;

}  // namespace

Connection::Connection() : in_(new char[kMaxHeadBytes]), out_(4096) {}

Connection::~Connection() { close(); }

void Connection::open(int fd, std::string_view client) {
  fd_ = fd;
  in_parsed_ = in_end_ = 0;
  parser_.reset();
  readable_ = true;  // data may already be waiting; the first read finds out
  answered_any_ = false;
  answered_since_check_ = false;
  close_after_write_ = false;
  nodelay_ = false;
  peer_closed_ = false;
  unread_input_ = false;
  lingering_ = false;
  out_.clear();
  out_sent_ = 0;
  client_length_ = static_cast<std::uint8_t>(std::min(client.size(), sizeof client_));
  std::memcpy(client_, client.data(), client_length_);
}

void Connection::close() {
  release_body();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Connection::release_body() {
  if (body_ != nullptr) release(body_);
  body_ = nullptr;
  body_remaining_ = 0;
}

bool Connection::waiting_for_head() const {
  return !has_output() && (parser_.in_message() || in_parsed_ < in_end_ || !answered_any_);
}

bool Connection::on_event(std::uint32_t events, ConnectionContext& ctx) {
  if (events & EPOLLERR) return false;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) readable_ = true;
  if (events & (EPOLLRDHUP | EPOLLHUP)) peer_closed_ = true;
  if (lingering_) return drain(ctx);
  for (;;) {
    while (!close_after_write_ && body_remaining_ == 0 &&
           out_.size() - out_sent_ < kOutputBatchBytes) {
      if (!answer_next_request(ctx)) break;
    }
    if (has_output()) {
      Flush f = flush();
      if (f == Flush::kError) return false;
      if (f == Flush::kBlocked) return true;  // EPOLLOUT (edge) will call us again
      continue;                               // room again: answer more buffered requests
    }
    if (close_after_write_) {
      // Input left unread would make close() reset the connection (see linger()).
      return (unread_input_ || in_parsed_ < in_end_ || readable_) && linger(ctx);
    }
    if (!readable_) return true;
    Read r = read_more();
    if (r == Read::kClosed) return false;
    if (r == Read::kAgain) return true;
  }
}

// Parses the buffered bytes; if a request is complete, queues its answer and returns true.
bool Connection::answer_next_request(ConnectionContext& ctx) {
  std::uint32_t next = in_end_;
  ParseStatus status = parser_.parse(in_.get(), in_parsed_, in_end_, &next);
  if (status == ParseStatus::kNeedMore) {
    in_parsed_ = in_end_;
    return false;
  }
  answered_any_ = true;
  answered_since_check_ = true;
  if (status == ParseStatus::kError) {
    in_parsed_ = in_end_;
    unread_input_ = true;
    Response r = error_response(parser_.error_status(), true);
    queue(r, nullptr, ctx);
    return true;
  }
  const Request& request = parser_.request();
  if (request.has_body) unread_input_ = true;
  ctx.handler.now_ms = ctx.clock->now_ms();
  Response r = handle_request(request, in_.get(), ctx.handler);
  queue(r, &request, ctx);
  in_parsed_ = next;  // after queue(): the log reads the request's spans
  return true;
}

void Connection::queue(Response& r, const Request* request, ConnectionContext& ctx) {
  WorkerCounters::bump(ctx.counters->requests, 1);
  if (ctx.access_log != nullptr) log(r, request, ctx);
  if (r.close) {
    close_after_write_ = true;
  } else if (!nodelay_) {
    // Only a connection that stays open can have an answer held back by Nagle behind an
    // unacknowledged earlier one; one-request connections skip the system call (as nginx).
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nodelay_ = true;
  }
  write_response_head(r, ctx.clock->http_date(), &out_);
  if (!r.send_body) {
    if (r.file != nullptr) release(r.file);
    return;
  }
  if (r.file == nullptr) {
    out_.append(r.inline_body);
    return;
  }
  if (r.file->data && r.body_length <= kCopyBodyMaxBytes) {
    out_.append(std::string_view(r.file->data.get() + r.body_offset, r.body_length));
    release(r.file);
    return;
  }
  body_ = r.file;  // takes the response's reference
  body_offset_ = r.body_offset;
  body_remaining_ = r.body_length;
  if (body_remaining_ == 0) release_body();
}

void Connection::log(const Response& r, const Request* q, ConnectionContext& ctx) {
  LogRecord record;
  record.client = std::string_view(client_, client_length_);
  record.date = ctx.clock->log_date();
  record.status = r.status;
  record.body_bytes = r.send_body ? r.body_length : 0;
  if (q != nullptr) {
    const char* base = in_.get();
    record.method = llhttp_method_name(static_cast<llhttp_method_t>(q->llhttp_method));
    record.target = span_view(base, q->target);
    record.version_minor = q->version_minor;
    record.referer = span_view(base, q->referer);
    record.user_agent = span_view(base, q->user_agent);
  }
  ctx.access_log->record(record);
}

Connection::Flush Connection::flush() {
  for (;;) {
    std::size_t pending = out_.size() - out_sent_;
    if (pending == 0 && body_remaining_ == 0) {
      out_.clear();
      out_sent_ = 0;
      release_body();
      return Flush::kDone;
    }
    ssize_t n;
    if (body_remaining_ > 0 && body_->data) {
      struct iovec iov[2];
      int count = 0;
      if (pending > 0) iov[count++] = {out_.data() + out_sent_, pending};
      iov[count++] = {body_->data.get() + body_offset_, body_remaining_};
      n = writev(fd_, iov, count);
    } else if (pending > 0) {
      n = send(fd_, out_.data() + out_sent_, pending,
               MSG_NOSIGNAL | (body_remaining_ > 0 ? MSG_MORE : 0));
    } else {
      off_t offset = static_cast<off_t>(body_offset_);
      n = sendfile(fd_, body_->fd, &offset, body_remaining_);
      if (n == 0) return Flush::kError;  // the file shrank since it was opened
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? Flush::kBlocked : Flush::kError;
    }
    std::size_t from_out = std::min(static_cast<std::size_t>(n), pending);
    out_sent_ += from_out;
    body_offset_ += static_cast<std::uint64_t>(n) - from_out;
    body_remaining_ -= static_cast<std::uint64_t>(n) - from_out;
  }
}

void Connection::compact_input() {
  std::uint32_t keep_from = parser_.in_message() ? parser_.message_start() : in_parsed_;
  if (keep_from == in_end_) {  // nothing to keep: the usual case between requests
    in_parsed_ = in_end_ = 0;
    if (parser_.in_message()) parser_.shift(keep_from);
    return;
  }
  if (keep_from == 0 || kMaxHeadBytes - in_end_ >= kMinReadSpace) return;
  std::memmove(in_.get(), in_.get() + keep_from, in_end_ - keep_from);
  parser_.shift(keep_from);
  in_parsed_ -= keep_from;
  in_end_ -= keep_from;
}

Connection::Read Connection::read_more() {
  compact_input();
  std::uint32_t space = kMaxHeadBytes - in_end_;
  if (space == 0) return Read::kAgain;  // cannot happen: the parser refuses a full head
  for (;;) {
    ssize_t n = read(fd_, in_.get() + in_end_, space);
    if (n > 0) {
      in_end_ += static_cast<std::uint32_t>(n);
      // A short read drained the socket; with edge-triggered epoll, new data brings a new
      // event, so there is no need for a read that would only say EAGAIN. Unless the peer
      // has shut down its side: then read on to the EOF, which brings no further event.
      if (static_cast<std::uint32_t>(n) < space && !peer_closed_) readable_ = false;
      return Read::kData;
    }
    if (n == 0) return Read::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      readable_ = false;
      return Read::kAgain;
    }
    return Read::kClosed;
  }
}

// Closing a socket whose receive queue is not empty makes the kernel send a reset instead
// of a FIN: the client's writes fail (most clients then give up without reading the answer)
// and the reset may destroy answer bytes still in flight. So the answer is ended with a FIN
// (shutdown) and what the client still sends is read and dropped, within the kLinger bounds,
// before the worker closes the connection. nginx's lingering close does the same.
bool Connection::linger(ConnectionContext& ctx) {
  if (::shutdown(fd_, SHUT_WR) != 0) return false;
  lingering_ = true;
  linger_deadline_ms_ = ctx.clock->now_ms() + kLingerMaxMs;
  drained_bytes_ = 0;
  return drain(ctx);
}

// Reads until the socket is empty; false when the connection is done: the client closed,
// or a bound was reached.
bool Connection::drain(ConnectionContext& ctx) {
  if (ctx.clock->now_ms() >= linger_deadline_ms_) return false;
  for (;;) {
    ssize_t n = read(fd_, in_.get(), kMaxHeadBytes);  // no request is read any more
    if (n > 0) {
      drained_bytes_ += static_cast<std::uint64_t>(n);
      if (drained_bytes_ > kLingerMaxBytes) return false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;  // EOF or an error ends it
  }
}

void Connection::answer_timeout(ConnectionContext& ctx) {
  if (idle() || has_output()) return;  // nothing was asked: close silently
  Response r = error_response(408, true);
  out_.clear();
  write_response_head(r, ctx.clock->http_date(), &out_);
  out_.append(r.inline_body);
  ssize_t ignored = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)ignored;
  out_.clear();
}

}  // namespace httpd
