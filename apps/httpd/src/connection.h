// One client connection: reads requests into a fixed buffer, answers them in order
// (pipelining), and writes the answers with write/writev/sendfile. Driven by edge-triggered
// epoll events; never blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "access_log.h"
#include "byte_buffer.h"
#include "clock.h"
#include "handler.h"
#include "request_parser.h"
#include "stats.h"
#include "timeout_list.h"

namespace httpd {

// Lingering close: after an answer that closes the connection while the client may still be
// sending, input is read and dropped until the client closes, or sends nothing for
// kLingerQuietMs (the worker's timeout), or kLingerMaxMs or kLingerMaxBytes have passed.
constexpr int kLingerQuietMs = 2000;
constexpr std::int64_t kLingerMaxMs = 10000;
constexpr std::uint64_t kLingerMaxBytes = 16 * 1024 * 1024;

// What a connection needs from its worker.
struct ConnectionContext {
  HandlerContext handler;
  Clock* clock = nullptr;
  AccessLog* access_log = nullptr;  // null when there is no access log
  WorkerCounters* counters = nullptr;
};

class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Takes `fd` (non-blocking, accepted). `client` is the peer address for the log.
  void open(int fd, std::string_view client);
  // Releases everything and closes the descriptor; the object can be opened again.
  void close();
  int fd() const { return fd_; }

  // Where the worker files it (TimeoutLists): the worker's to read and write.
  TimeoutNode timeout;

  // Handles epoll `events`. Returns false when the connection is done and must be closed.
  bool on_event(std::uint32_t events, ConnectionContext& ctx);

  // Where the connection waits now; the worker files it under the matching timeout.
  bool waiting_for_head() const;  // a request (or the first one) has not fully arrived
  bool writing() const { return has_output(); }
  bool lingering() const { return lingering_; }  // answered; dropping input before the close
  // Nothing of a request is buffered and nothing waits to be sent.
  bool idle() const {
    return !lingering_ && !has_output() && !parser_.in_message() && in_parsed_ == in_end_;
  }

  // True once after each call in which a request was answered: a pipelining client that
  // always has part of its next request buffered is making progress, not stalling.
  bool take_progress() {
    bool progress = answered_since_check_;
    answered_since_check_ = false;
    return progress;
  }

  // Graceful shutdown: answer what is in flight, then close.
  void stop_after_response() { close_after_write_ = true; }

  // The header timeout fired: a best-effort 408 (if part of a request arrived) before the
  // worker closes the connection.
  void answer_timeout(ConnectionContext& ctx);

 private:
  enum class Flush { kDone, kBlocked, kError };
  enum class Read { kData, kAgain, kClosed };

  bool has_output() const { return out_sent_ < out_.size() || body_remaining_ > 0; }
  bool answer_next_request(ConnectionContext& ctx);
  void queue(Response& response, const Request* request, ConnectionContext& ctx);
  void log(const Response& response, const Request* request, ConnectionContext& ctx);
  Flush flush();
  Read read_more();
  bool linger(ConnectionContext& ctx);
  bool drain(ConnectionContext& ctx);
  void compact_input();
  void release_body();

  int fd_ = -1;
  std::unique_ptr<char[]> in_;   // kMaxHeadBytes
  std::uint32_t in_parsed_ = 0;  // bytes before this were fed to the parser
  std::uint32_t in_end_ = 0;
  RequestParser parser_;
  bool readable_ = false;
  bool answered_any_ = false;
  bool answered_since_check_ = false;
  bool close_after_write_ = false;
  bool nodelay_ = false;      // TCP_NODELAY set
  bool peer_closed_ = false;  // EPOLLRDHUP seen: the client sends nothing more
  // The client may still be sending what will never be read: a body, or the rest of a head
  // that was refused.
  bool unread_input_ = false;
  bool lingering_ = false;
  std::int64_t linger_deadline_ms_ = 0;
  std::uint64_t drained_bytes_ = 0;

  ByteBuffer out_;
  std::size_t out_sent_ = 0;
  FileEntry* body_ = nullptr;  // the body being sent after out_, from memory or by sendfile
  std::uint64_t body_offset_ = 0;
  std::uint64_t body_remaining_ = 0;

  char client_[48] = {};
  std::uint8_t client_length_ = 0;
};

}  // namespace httpd
