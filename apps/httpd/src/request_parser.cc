// llhttp drives callbacks; this file turns them into a Request of spans and applies the
// limits and the anti-smuggling rules that llhttp leaves to its user.
#include "request_parser.h"

#include <strings.h>

#include <string_view>

namespace httpd {
namespace {

RequestParser* self(llhttp_t* p) { return static_cast<RequestParser*>(p->data); }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, const char* lower) {
  return strncasecmp(a.data(), lower, a.size()) == 0 && lower[a.size()] == '\0';
}

// RFC 9110 5.6.2: the characters of a token, such as a method.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// llhttp's request parser also knows the methods of RTSP (DESCRIBE, SETUP, ...).
bool is_http_method(std::uint8_t method) {
  switch (method) {
#define HTTPD_HTTP_METHOD(number, name, text) case HTTP_##name:
    HTTP_METHOD_MAP(HTTPD_HTTP_METHOD)
#undef HTTPD_HTTP_METHOD
    case HTTP_PRI:  // HTTP/2's connection preface, which llhttp reads as a request line
      return true;
    default:
      return false;
  }
}

}  // namespace

RequestParser::RequestParser() { reset(); }

RequestParser& RequestParser::operator=(RequestParser&& other) noexcept {
  parser_ = other.parser_;
  parser_.data = this;
  base_ = other.base_;
  request_ = other.request_;
  in_message_ = other.in_message_;
  scanning_method_ = other.scanning_method_;
  url_complete_ = other.url_complete_;
  expecting_value_ = other.expecting_value_;
  header_ = other.header_;
  version_ = other.version_;
  field_ = other.field_;
  value_ = other.value_;
  message_start_ = other.message_start_;
  error_status_ = other.error_status_;
  error_reason_ = other.error_reason_;
  return *this;
}

const llhttp_settings_t* RequestParser::settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_method_complete = on_method_complete;
    s.on_url = on_url;
    s.on_url_complete = on_url_complete;
    s.on_version = on_version;
    s.on_header_field = on_header_field;
    s.on_header_field_complete = on_header_field_complete;
    s.on_header_value = on_header_value;
    s.on_header_value_complete = on_header_value_complete;
    s.on_headers_complete = on_headers_complete;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return &settings;
}

void RequestParser::reset() {
  llhttp_init(&parser_, HTTP_REQUEST, settings());
  parser_.data = this;
  in_message_ = false;
  scanning_method_ = false;
  pending_cr_ = false;
  head_started_ = false;
  message_start_ = 0;
  error_status_ = 0;
  error_reason_ = "";
}

ParseStatus RequestParser::parse(const char* input, std::uint32_t begin, std::uint32_t end,
                                 std::uint32_t* next) {
  if (begin == end) return ParseStatus::kNeedMore;
  if (scanning_method_) return scan_method(input, begin, end);
  base_ = input;
  if (!in_message_) message_start_ = begin;
  llhttp_errno_t err = llhttp_execute(&parser_, input + begin, end - begin);
  if (err == HPE_PAUSED) {
    *next = static_cast<std::uint32_t>(llhttp_get_error_pos(&parser_) - input);
    llhttp_resume(&parser_);
    in_message_ = false;
    if (bare_cr(input, begin, *next)) return ParseStatus::kError;
    pending_cr_ = false;
    head_started_ = false;
    return finish_head();
  }
  if (err == HPE_INVALID_METHOD) return start_method_scan(input, end);
  if (err != HPE_OK) {
    if (error_status_ == 0) fail(400, llhttp_get_error_reason(&parser_));
    return ParseStatus::kError;
  }
  if (bare_cr(input, begin, end)) return ParseStatus::kError;
  return need_more(end);
}

// llhttp 8 takes a CR followed by any byte for a line's end (CVE-2023-30589): "Hnst:\r\x8aHost:"
// would read as a Host line the client did not send. A bare CR is invalid (RFC 9112 2.2).
// Checked over the bytes llhttp consumed; one at their end against the next call's first.
// The empty lines llhttp skips before a request line are not checked: whether a stray CR
// there is refused must not depend on how the bytes arrive (llhttp judges the request line).
bool RequestParser::bare_cr(const char* input, std::uint32_t begin, std::uint32_t end) {
  if (!head_started_) {
    while (begin < end && (input[begin] == '\r' || input[begin] == '\n')) ++begin;
    if (begin == end) return false;
    head_started_ = true;
    pending_cr_ = false;
  }
  bool bare = begin < end && pending_cr_ && input[begin] != '\n';
  for (std::uint32_t i = begin; !bare && i + 1 < end; ++i) bare = input[i] == '\r' && input[i + 1] != '\n';
  if (bare) {
    fail(400, "bare CR in the request head");
    return true;
  }
  if (begin < end) pending_cr_ = input[end - 1] == '\r';
  return false;
}

// Every byte up to `end` is consumed and the head is not complete: more may come, as long
// as the head still fits the caller's buffer.
ParseStatus RequestParser::need_more(std::uint32_t end) {
  if (in_message_ && end - message_start_ >= kMaxHeadBytes) {
    if (url_complete_) {
      fail(431, "request header fields too large");
    } else {
      fail(414, "request line too long");
    }
    return ParseStatus::kError;
  }
  return ParseStatus::kNeedMore;
}

// llhttp stops at the first byte that continues no method it knows. Whether the client sent
// a method we do not implement (501, RFC 9110 15.6.2) or no request line at all (400) shows
// only where the token ends: a method is a token followed by a space. The token starts after
// the empty lines llhttp skips before a request.
ParseStatus RequestParser::start_method_scan(const char* input, std::uint32_t end) {
  std::uint32_t start = message_start_;
  while (start < end && (input[start] == '\r' || input[start] == '\n')) ++start;
  if (start == end || !is_token_char(input[start])) {
    fail(400, "malformed method");
    return ParseStatus::kError;
  }
  scanning_method_ = true;
  return scan_method(input, start + 1, end);
}

ParseStatus RequestParser::scan_method(const char* input, std::uint32_t begin, std::uint32_t end) {
  for (std::uint32_t i = begin; i < end; ++i) {
    if (input[i] == ' ') {
      fail(501, "method not implemented");
      return ParseStatus::kError;
    }
    if (!is_token_char(input[i])) {
      fail(400, "malformed method");
      return ParseStatus::kError;
    }
  }
  return need_more(end);
}

ParseStatus RequestParser::finish_head() {
  if (request_.version_major != 1 || request_.version_minor > 1) {
    fail(request_.version_major == 0 ? 400 : 505, "unsupported HTTP version");
    return ParseStatus::kError;
  }
  if (!names_http()) {
    fail(400, "not an HTTP request");
    return ParseStatus::kError;
  }
  if (request_.version_minor == 1 && request_.host_count == 0) {
    fail(400, "HTTP/1.1 request needs a Host");
    return ParseStatus::kError;
  }
  return ParseStatus::kRequest;
}

// llhttp also reads "RTSP/1.0" and "ICE/1.0" as version 1.0 of the request; RFC 9112 2.3
// names the protocol "HTTP", case-sensitively.
bool RequestParser::names_http() const {
  constexpr std::string_view kName = "HTTP/";
  return !version_.empty() && version_.offset >= message_start_ + kName.size() &&
         std::string_view(base_ + version_.offset - kName.size(), kName.size()) == kName;
}

void RequestParser::shift(std::uint32_t delta) {
  for (Span* s : {&request_.target, &request_.host, &request_.if_none_match,
                  &request_.if_modified_since, &request_.range, &request_.if_range,
                  &request_.referer, &request_.user_agent, &version_, &field_, &value_}) {
    if (s->length != 0) s->offset -= delta;
  }
  message_start_ -= delta;
}

int RequestParser::fail(int status, const char* reason) {
  error_status_ = status;
  error_reason_ = reason;
  return -1;
}

// Appends [offset, offset+length) to a span; pieces of one token arrive adjacent in the
// buffer, so a gap means the token was interrupted (obs-fold for header values).
bool RequestParser::extend(Span* span, std::uint32_t offset, std::uint32_t length) {
  if (span->length == 0) {
    span->offset = offset;
  } else if (span->offset + span->length != offset) {
    return false;
  }
  span->length += length;
  return true;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  RequestParser* r = self(p);
  r->request_ = Request{};
  r->in_message_ = true;
  r->url_complete_ = false;
  r->expecting_value_ = false;
  r->version_ = Span{};
  r->field_ = Span{};
  r->value_ = Span{};
  return 0;
}

int RequestParser::on_method_complete(llhttp_t* p) {
  if (!is_http_method(p->method)) return self(p)->fail(501, "method not implemented");
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t length) {
  RequestParser* r = self(p);
  if (!extend(&r->request_.target, static_cast<std::uint32_t>(at - r->base_),
              static_cast<std::uint32_t>(length))) {
    return r->fail(400, "malformed request target");
  }
  if (r->request_.target.length > kMaxTargetBytes) return r->fail(414, "request target too long");
  return 0;
}

int RequestParser::on_url_complete(llhttp_t* p) {
  self(p)->url_complete_ = true;
  return 0;
}

int RequestParser::on_version(llhttp_t* p, const char* at, std::size_t length) {
  RequestParser* r = self(p);
  if (!extend(&r->version_, static_cast<std::uint32_t>(at - r->base_),
              static_cast<std::uint32_t>(length))) {
    return r->fail(400, "malformed version");
  }
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t length) {
  RequestParser* r = self(p);
  if (!extend(&r->field_, static_cast<std::uint32_t>(at - r->base_),
              static_cast<std::uint32_t>(length))) {
    return r->fail(400, "malformed header name");
  }
  return 0;
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  RequestParser* r = self(p);
  std::string_view name = span_view(r->base_, r->field_);
  // RFC 9112 5.1: whitespace between name and colon must be rejected (smuggling vector).
  if (name.empty() || is_blank(name.back())) return r->fail(400, "whitespace before colon");
  HeaderId id = HeaderId::kOther;
  switch (name.size()) {
    case 4:
      if (iequals(name, "host")) id = HeaderId::kHost;
      break;
    case 5:
      if (iequals(name, "range")) id = HeaderId::kRange;
      break;
    case 7:
      if (iequals(name, "referer")) id = HeaderId::kReferer;
      break;
    case 8:
      if (iequals(name, "if-range")) id = HeaderId::kIfRange;
      break;
    case 10:
      if (iequals(name, "user-agent")) id = HeaderId::kUserAgent;
      break;
    case 13:
      if (iequals(name, "if-none-match")) id = HeaderId::kIfNoneMatch;
      break;
    case 17:
      if (iequals(name, "if-modified-since")) id = HeaderId::kIfModifiedSince;
      break;
  }
  r->header_ = id;
  // Refused at the second, so the count never wraps.
  if (id == HeaderId::kHost && ++r->request_.host_count > 1) {
    return r->fail(400, "more than one Host");
  }
  r->field_ = Span{};
  r->value_ = Span{};
  r->expecting_value_ = true;
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t length) {
  RequestParser* r = self(p);
  // A value piece after the value was completed, or not adjacent to the previous piece,
  // is a continuation line (obs-fold). We refuse it instead of unfolding it.
  if (!r->expecting_value_ || !extend(&r->value_, static_cast<std::uint32_t>(at - r->base_),
                                      static_cast<std::uint32_t>(length))) {
    return r->fail(400, "obsolete line folding");
  }
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser* r = self(p);
  Span value = r->value_;
  while (value.length > 0 && is_blank(r->base_[value.offset + value.length - 1])) --value.length;
  switch (r->header_) {
    case HeaderId::kHost:
      r->request_.host = value;
      break;
    case HeaderId::kIfNoneMatch:
      r->request_.if_none_match = value;
      break;
    case HeaderId::kIfModifiedSince:
      r->request_.if_modified_since = value;
      break;
    case HeaderId::kRange:
      r->request_.range = value;
      break;
    case HeaderId::kIfRange:
      r->request_.if_range = value;
      break;
    case HeaderId::kReferer:
      r->request_.referer = value;
      break;
    case HeaderId::kUserAgent:
      r->request_.user_agent = value;
      break;
    case HeaderId::kOther:
      break;
  }
  r->expecting_value_ = false;
  r->value_ = Span{};
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser* r = self(p);
  Request& q = r->request_;
  q.llhttp_method = p->method;
  q.method = p->method == HTTP_GET    ? Method::kGet
             : p->method == HTTP_HEAD ? Method::kHead
                                      : Method::kOther;
  q.version_major = p->http_major;
  q.version_minor = p->http_minor;
  q.keep_alive = llhttp_should_keep_alive(p) != 0;
  q.has_body = (p->flags & F_CHUNKED) != 0 || p->content_length > 0;
  // A request with a body is answered at once and the connection closed afterwards, so
  // the body is never read (and never mistaken for the next request).
  return q.has_body ? HPE_PAUSED : 0;
}

int RequestParser::on_message_complete(llhttp_t*) { return HPE_PAUSED; }

}  // namespace httpd
