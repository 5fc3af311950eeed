// The access log in Combined Log Format:
//   host - - [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.1" 200 2326 "referer" "agent"
// Each worker buffers its lines and appends them with one write() to the shared O_APPEND
// descriptor when the buffer fills, once a second, and at shutdown.
#pragma once

#include <cstdint>
#include <string_view>

#include "byte_buffer.h"

namespace httpd {

struct LogRecord {
  std::string_view client;
  std::string_view date;    // Clock::log_date()
  std::string_view method;  // "" when the request could not be parsed
  std::string_view target;
  int version_minor = 1;
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::string_view referer;
  std::string_view user_agent;
};

class AccessLog {
 public:
  explicit AccessLog(int fd) : fd_(fd), buffer_(kFlushBytes + 4096) {}
  ~AccessLog() { flush(); }
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void record(const LogRecord& record);
  void flush();

 private:
  static constexpr std::size_t kFlushBytes = 32 * 1024;
  void append_escaped(std::string_view text);
  void append_quoted(std::string_view text);

  int fd_;
  ByteBuffer buffer_;
};

}  // namespace httpd
