// Incremental parser of HTTP/1.x request heads on top of llhttp.
//
// The caller owns the input buffer and feeds it the bytes it has not parsed yet; spans in
// the Request point into that buffer. Nothing is allocated. Framing that could smuggle a
// second request past a proxy is refused: Content-Length with Transfer-Encoding, duplicate
// or malformed Content-Length, a Transfer-Encoding other than chunked, obs-fold, whitespace
// before a header's colon, bare LF inside the header section, a bare CR anywhere in the
// head, and HTTP/1.1 without exactly one Host. So is a request line of another protocol that llhttp takes (RTSP, ICE).
#pragma once

#include <llhttp.h>

#include <cstdint>

#include "request.h"

namespace httpd {

// Longest request target accepted (414 beyond), and longest head (431 beyond, or 414 if the
// request line itself does not fit). The connection's input buffer holds kMaxHeadBytes.
constexpr std::uint32_t kMaxTargetBytes = 8000;
constexpr std::uint32_t kMaxHeadBytes = 16384;

enum class ParseStatus { kNeedMore, kRequest, kError };

class RequestParser {
 public:
  RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;
  // A move carries a partial head's state over (a live update moves a connection's parser
  // into its new type); llhttp's back pointer follows.
  RequestParser& operator=(RequestParser&& other) noexcept;

  // Forgets any partial request: the next byte fed starts a new connection's stream.
  void reset();

  // Parses input[begin, end); bytes before `begin` were fed before (a partial head) or
  // belong to requests already answered.
  //  kRequest: request() holds the head and *next is the offset where the following
  //            (pipelined) request starts. If request().has_body the body was not read:
  //            answer, then close the connection.
  //  kNeedMore: every byte was consumed; feed more from `end` on.
  //  kError:   error_status() (400, 414, 431, 501 or 505) is the answer; then close.
  ParseStatus parse(const char* input, std::uint32_t begin, std::uint32_t end, std::uint32_t* next);

  const Request& request() const { return request_; }
  int error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }

  // True while an unfinished head is buffered: its bytes start at message_start().
  bool in_message() const { return in_message_; }
  std::uint32_t message_start() const { return message_start_; }

  // The caller moved its buffered bytes [delta, end) down to [0, end - delta).
  // REQUIRES: delta <= message_start() when in_message().
  void shift(std::uint32_t delta);

 private:
  enum class HeaderId : std::uint8_t {
    kOther,
    kHost,
    kIfNoneMatch,
    kIfModifiedSince,
    kRange,
    kIfRange,
    kReferer,
    kUserAgent
  };

  static int on_message_begin(llhttp_t* p);
  static int on_method_complete(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, std::size_t length);
  static int on_url_complete(llhttp_t* p);
  static int on_version(llhttp_t* p, const char* at, std::size_t length);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t length);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t length);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_message_complete(llhttp_t* p);
  static const llhttp_settings_t* settings();

  int fail(int status, const char* reason);
  ParseStatus need_more(std::uint32_t end);
  bool bare_cr(const char* input, std::uint32_t begin, std::uint32_t end);
  ParseStatus start_method_scan(const char* input, std::uint32_t end);
  ParseStatus scan_method(const char* input, std::uint32_t begin, std::uint32_t end);
  ParseStatus finish_head();
  bool names_http() const;
  static bool extend(Span* span, std::uint32_t offset, std::uint32_t length);

  llhttp_t parser_;
  const char* base_ = nullptr;
  Request request_;
  bool in_message_ = false;
  bool scanning_method_ = false;  // llhttp refused the method: find where its token ends
  bool pending_cr_ = false;       // the bytes parsed so far end in a CR: an LF must follow
  bool head_started_ = false;     // a byte other than CR or LF was parsed in this head
  bool url_complete_ = false;
  bool expecting_value_ = false;
  HeaderId header_ = HeaderId::kOther;
  Span version_;  // "1.1" in "HTTP/1.1"
  Span field_;
  Span value_;
  std::uint32_t message_start_ = 0;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

}  // namespace httpd
