// Request fields are attacker-controlled: quotes, backslashes and control bytes are
// escaped as \xHH so that every record stays one parseable line.
#include "access_log.h"

#include <unistd.h>

#include <cerrno>

namespace httpd {

void AccessLog::append_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      buffer_.append("\\x");
      buffer_.append(kHex[c >> 4]);
      buffer_.append(kHex[c & 15]);
    } else {
      buffer_.append(static_cast<char>(c));
    }
  }
}

void AccessLog::append_quoted(std::string_view text) {
  buffer_.append('"');
  if (text.empty()) {
    buffer_.append('-');
  } else {
    append_escaped(text);
  }
  buffer_.append('"');
}

void AccessLog::record(const LogRecord& r) {
  buffer_.append(r.client.empty() ? std::string_view("-") : r.client);
  buffer_.append(" - - [");
  buffer_.append(r.date);
  buffer_.append("] \"");
  if (r.method.empty()) {
    buffer_.append('-');
  } else {
    buffer_.append(r.method);
    buffer_.append(' ');
    append_escaped(r.target);
    buffer_.append(r.version_minor == 0 ? " HTTP/1.0" : " HTTP/1.1");
  }
  buffer_.append("\" ");
  buffer_.append_decimal(static_cast<std::uint64_t>(r.status));
  buffer_.append(' ');
  buffer_.append_decimal(r.body_bytes);
  buffer_.append(' ');
  append_quoted(r.referer);
  buffer_.append(' ');
  append_quoted(r.user_agent);
  buffer_.append('\n');
  if (buffer_.size() >= kFlushBytes) flush();
}

void AccessLog::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a full disk loses log lines, never requests
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace httpd
