// Request-head parsing: spans, pipelining, resumption at every truncation point (with a
// guard page behind the input), the anti-smuggling refusals and the size limits.
#include "request_parser.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace httpd {
namespace {

// Places the input right before a PROT_NONE page (as picohttpparser's tests do): a read
// past the end crashes the test instead of passing unnoticed.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(const std::string& bytes) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::size_t pages = (bytes.size() + page_ - 1) / page_ + 1;
    size_ = (pages + 1) * page_;
    base_ = static_cast<char*>(
        mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base_ + pages * page_, page_, PROT_NONE);
    data_ = base_ + pages * page_ - bytes.size();
    std::memcpy(data_, bytes.data(), bytes.size());
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  const char* data() const { return data_; }

 private:
  std::size_t page_, size_;
  char* base_;
  char* data_;
};

struct Parsed {
  ParseStatus status;
  int error = 0;
  std::uint32_t next = 0;
  Request request;
  std::string buffer;
  std::string view(Span s) const { return buffer.substr(s.offset, s.length); }
};

Parsed parse_all(const std::string& input) {
  RequestParser parser;
  Parsed p;
  p.buffer = input;
  p.status = parser.parse(p.buffer.data(), 0, static_cast<std::uint32_t>(input.size()), &p.next);
  p.error = parser.error_status();
  p.request = parser.request();
  return p;
}

TEST(RequestParser, ParsesAHead) {
  Parsed p = parse_all(
      "GET /a%20b?q=1 HTTP/1.1\r\nHost: example\r\nIf-None-Match: \"x\"  \r\n"
      "RANGE: bytes=0-1\r\nUser-Agent: ua\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::kRequest);
  EXPECT_EQ(p.request.method, Method::kGet);
  EXPECT_EQ(p.view(p.request.target), "/a%20b?q=1");
  EXPECT_EQ(p.view(p.request.host), "example");
  EXPECT_EQ(p.view(p.request.if_none_match), "\"x\"");  // trailing blanks trimmed
  EXPECT_EQ(p.view(p.request.range), "bytes=0-1");
  EXPECT_EQ(p.view(p.request.user_agent), "ua");
  EXPECT_TRUE(p.request.keep_alive);
  EXPECT_FALSE(p.request.has_body);
  EXPECT_EQ(p.next, p.buffer.size());
}

TEST(RequestParser, EmptyHeaderValues) {
  Parsed p = parse_all("GET / HTTP/1.1\r\nX-Empty:\r\nHost: h\r\nRange:   \r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::kRequest);
  EXPECT_EQ(p.view(p.request.host), "h");
  EXPECT_TRUE(p.request.range.empty());
}

TEST(RequestParser, PipelinedRequestsOneAtATime) {
  std::string two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser parser;
  std::uint32_t next = 0;
  ASSERT_EQ(parser.parse(two.data(), 0, two.size(), &next), ParseStatus::kRequest);
  EXPECT_EQ(next, 28u);
  std::uint32_t second = 0;
  ASSERT_EQ(parser.parse(two.data(), next, two.size(), &second), ParseStatus::kRequest);
  EXPECT_EQ(parser.request().method, Method::kHead);
  EXPECT_EQ(std::string(span_view(two.data(), parser.request().target)), "/2");
  EXPECT_EQ(second, two.size());
}

TEST(RequestParser, EveryTruncationNeedsMoreAndResumes) {
  const std::string request =
      "GET /some/path HTTP/1.1\r\nHost: h\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 "
      "GMT\r\nX-Long: abcdefghijklmnop\r\n\r\n";
  for (std::size_t cut = 1; cut < request.size(); ++cut) {
    GuardedBuffer first(request.substr(0, cut));
    RequestParser parser;
    std::uint32_t next = 0;
    // The first part alone, guarded: never complete, never an error, never a read past it.
    ASSERT_EQ(parser.parse(first.data(), 0, cut, &next), ParseStatus::kNeedMore) << cut;
    // Then the whole buffer, fed from where the first call stopped.
    std::string whole = request;
    ASSERT_EQ(parser.parse(whole.data(), cut, whole.size(), &next), ParseStatus::kRequest) << cut;
    EXPECT_EQ(std::string(span_view(whole.data(), parser.request().target)), "/some/path");
    EXPECT_EQ(std::string(span_view(whole.data(), parser.request().if_modified_since)),
              "Sun, 06 Nov 1994 08:49:37 GMT");
  }
}

TEST(RequestParser, ShiftKeepsSpansOfAPartialHead) {
  std::string buffer = "xxxxxGET /moved HTTP/1.1\r\nHost: h\r\nRange: bytes";
  RequestParser parser;
  std::uint32_t next = 0;
  ASSERT_EQ(parser.parse(buffer.data(), 5, buffer.size(), &next), ParseStatus::kNeedMore);
  ASSERT_TRUE(parser.in_message());
  EXPECT_EQ(parser.message_start(), 5u);
  buffer.erase(0, 5);
  parser.shift(5);
  std::uint32_t end = buffer.size();
  buffer += "=1-2\r\n\r\n";
  ASSERT_EQ(parser.parse(buffer.data(), end, buffer.size(), &next), ParseStatus::kRequest);
  EXPECT_EQ(std::string(span_view(buffer.data(), parser.request().target)), "/moved");
  EXPECT_EQ(std::string(span_view(buffer.data(), parser.request().range)), "bytes=1-2");
}

TEST(RequestParser, RefusesSmugglingShapes) {
  const char* cases[] = {
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
  };
  for (const char* c : cases) {
    Parsed p = parse_all(c);
    EXPECT_EQ(p.status, ParseStatus::kError) << c;
    EXPECT_EQ(p.error, 400) << c;
  }
}

TEST(RequestParser, ManyHostsAreRefusedHoweverMany) {
  // The count was a byte: 257 Host lines counted as one.
  for (int hosts : {2, 256, 257, 513}) {
    std::string head = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < hosts; ++i) head += "Host: h" + std::to_string(i) + "\r\n";
    Parsed p = parse_all(head + "\r\n");
    EXPECT_EQ(p.status, ParseStatus::kError) << hosts;
    EXPECT_EQ(p.error, 400) << hosts;
  }
}

TEST(RequestParser, BodyIsNotParsedAsARequest) {
  Parsed p = parse_all(
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 27\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::kRequest);
  EXPECT_TRUE(p.request.has_body);
}

TEST(RequestParser, VersionsAndMethods) {
  Parsed old = parse_all("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(old.status, ParseStatus::kRequest);  // no Host needed
  EXPECT_FALSE(old.request.keep_alive);
  EXPECT_EQ(parse_all("GET / HTTP/2.0\r\nHost: a\r\n\r\n").error, 505);
  Parsed post = parse_all("POST / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(post.status, ParseStatus::kRequest);
  EXPECT_EQ(post.request.method, Method::kOther);
}

TEST(RequestParser, UnknownMethodIs501AndAMalformedOneIs400) {
  // A method is a token followed by a space (RFC 9112 3.1); one llhttp does not know, or
  // one it knows from RTSP only, is not implemented (RFC 9110 15.6.2).
  for (const char* c : {"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", "GETS / HTTP/1.1\r\n",
                        "get / HTTP/1.1\r\n", "QUERY / HTTP/1.1\r\n", "M-SEARCHX * HTTP/1.1\r\n",
                        "\r\nBREW / HTTP/1.1\r\n", "X!#$%&'*+-.^_`|~9 / HTTP/1.1\r\n",
                        "DESCRIBE / HTTP/1.1\r\nHost: a\r\n\r\n", "SETUP / RTSP/1.0\r\n\r\n"}) {
    Parsed p = parse_all(c);
    EXPECT_EQ(p.status, ParseStatus::kError) << c;
    EXPECT_EQ(p.error, 501) << c;
  }
  for (const char* c : {"G(T / HTTP/1.1\r\n", " GET / HTTP/1.1\r\n", "GET\t/ HTTP/1.1\r\n",
                        "BR\x01W / HTTP/1.1\r\n", "BREW\r\n", "\x16\x03\x01\x02\x00"}) {
    Parsed p = parse_all(c);
    EXPECT_EQ(p.status, ParseStatus::kError) << c;
    EXPECT_EQ(p.error, 400) << c;
  }
  // Methods llhttp knows are parsed; the handler answers them 405.
  for (const char* c :
       {"PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n", "M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n"}) {
    Parsed p = parse_all(c);
    EXPECT_EQ(p.status, ParseStatus::kRequest) << c;
    EXPECT_EQ(p.request.method, Method::kOther) << c;
  }
}

TEST(RequestParser, UnknownMethodIsDecidedWhereItsTokenEnds) {
  // llhttp gives up at "BR"; whether that is 501 or 400 is known only at the space.
  const std::string request = "BREW /pot HTTP/1.1\r\n";
  for (std::size_t cut = 1; cut < 5; ++cut) {
    GuardedBuffer first(request.substr(0, cut));
    RequestParser parser;
    std::uint32_t next = 0;
    ASSERT_EQ(parser.parse(first.data(), 0, cut, &next), ParseStatus::kNeedMore) << cut;
    ASSERT_EQ(parser.parse(request.data(), cut, request.size(), &next), ParseStatus::kError);
    EXPECT_EQ(parser.error_status(), 501) << cut;
  }
  // A token that never ends is a request line too long.
  EXPECT_EQ(parse_all("BREW" + std::string(kMaxHeadBytes, 'W')).error, 414);
}

TEST(RequestParser, OnlyHttpIsServed) {
  // llhttp reads all of these as version 1.0 (the last one found by the fuzzer).
  for (const char* c :
       {"GET / RTSP/1.0\r\n\r\n", "SOURCE / ICE/1.0\r\n\r\n", "GET /ws RTSP/1.0\n\r\n"}) {
    Parsed p = parse_all(c);
    EXPECT_EQ(p.status, ParseStatus::kError) << c;
    EXPECT_EQ(p.error, 400) << c;
  }
}

TEST(RequestParser, Limits) {
  EXPECT_EQ(parse_all("GET /" + std::string(kMaxTargetBytes + 1, 'a')).error, 414);
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  while (head.size() < kMaxHeadBytes) head += "X-Filler: " + std::string(100, 'f') + "\r\n";
  EXPECT_EQ(parse_all(head.substr(0, kMaxHeadBytes)).error, 431);
}

}  // namespace
}  // namespace httpd
