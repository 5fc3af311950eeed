// One parsed request head. Text fields are spans into the connection's input buffer, so
// parsing allocates nothing; a span stays valid until the connection consumes the request.
#pragma once

#include <cstdint>
#include <string_view>

namespace httpd {

struct Span {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  bool empty() const { return length == 0; }
};

inline std::string_view span_view(const char* base, Span span) {
  return {base + span.offset, span.length};
}

enum class Method : std::uint8_t { kGet, kHead, kOther };

struct Request {
  Method method = Method::kOther;
  std::uint8_t llhttp_method = 0;  // llhttp_method_t, for the Allow check and the log
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 1;
  bool keep_alive = false;
  bool has_body = false;  // a body follows the head; the connection closes after the answer
  std::uint8_t host_count = 0;
  Span target;
  Span host;
  Span if_none_match;
  Span if_modified_since;
  Span range;
  Span if_range;
  Span referer;
  Span user_agent;
};

}  // namespace httpd
