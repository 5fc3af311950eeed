// libFuzzer target for RequestParser (docs/fuzzing.md). The input is what a client sends on
// one connection. It is parsed twice, fed the way Connection feeds the parser: once read in
// the largest pieces the input buffer takes, once in pieces of a few bytes that cut every
// token somewhere. Both parses must give the same answers (how the stream was cut must not
// change them), every span must lie inside the request it belongs to, and the unused end of
// the buffer is poisoned, so that a read past the bytes received is an AddressSanitizer report.
#include <sanitizer/asan_interface.h>
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "request_parser.h"

namespace httpd {
namespace {

// A broken property: libFuzzer keeps the input that broke it.
[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "request_parser_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// A connection's input buffer: kMaxHeadBytes, of which only the bytes received may be read.
class InputBuffer {
 public:
  InputBuffer() : bytes_(new char[kMaxHeadBytes]) {
    ASAN_POISON_MEMORY_REGION(bytes_.get(), kMaxHeadBytes);
  }
  ~InputBuffer() { ASAN_UNPOISON_MEMORY_REGION(bytes_.get(), kMaxHeadBytes); }
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  const char* data() const { return bytes_.get(); }
  std::uint32_t size() const { return end_; }
  std::uint32_t space() const { return kMaxHeadBytes - end_; }

  // REQUIRES: n <= space().
  void append(const std::uint8_t* bytes, std::uint32_t n) {
    ASAN_UNPOISON_MEMORY_REGION(bytes_.get() + end_, n);
    std::memcpy(bytes_.get() + end_, bytes, n);
    end_ += n;
  }

  // Moves [from, size()) to the front, as Connection::compact_input does.
  void drop_front(std::uint32_t from) {
    std::memmove(bytes_.get(), bytes_.get() + from, end_ - from);
    end_ -= from;
    ASAN_POISON_MEMORY_REGION(bytes_.get() + end_, kMaxHeadBytes - end_);
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::uint32_t end_ = 0;
};

// One line for a parsed request: what the handler and the log would see.
void describe(const Request& q, const char* base, std::string* out) {
  *out += "request method=" + std::to_string(q.llhttp_method) +
          " version=" + std::to_string(q.version_major) + "." + std::to_string(q.version_minor) +
          " keep_alive=" + std::to_string(q.keep_alive) + " body=" + std::to_string(q.has_body);
  for (Span s : {q.target, q.host, q.if_none_match, q.if_modified_since, q.range, q.if_range,
                 q.referer, q.user_agent}) {
    *out += " [";
    out->append(span_view(base, s));
    *out += "]";
  }
  *out += "\n";
}

// The request's spans lie in [message_start(), next): the bytes the parser consumed for it.
void check_spans(const RequestParser& parser, std::uint32_t begin, std::uint32_t next,
                 std::uint32_t end) {
  if (next <= begin || next > end) {
    fail("a request ends outside the bytes parsed", "begin " + std::to_string(begin) + " next " +
                                                        std::to_string(next) + " end " +
                                                        std::to_string(end));
  }
  const Request& q = parser.request();
  for (Span s : {q.target, q.host, q.if_none_match, q.if_modified_since, q.range, q.if_range,
                 q.referer, q.user_agent}) {
    if (!s.empty() && (s.offset < parser.message_start() || s.offset + s.length > next)) {
      fail("a span lies outside its request",
           "span " + std::to_string(s.offset) + "+" + std::to_string(s.length) + " request from " +
               std::to_string(parser.message_start()) + " to " + std::to_string(next));
    }
  }
}

// What an accepted head must look like, checked without the parser. Its lines hold no
// control bytes and its header lines end in CRLF, so after the request line every "\n"
// starts a header line: the Host lines can be counted. Leading empty lines are skipped.
void check_head(const Request& q, std::string_view head) {
  head.remove_prefix(std::min(head.find_first_not_of("\r\n"), head.size()));
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string version = " HTTP/1." + std::to_string(q.version_minor);
  if (line.size() < version.size() || line.substr(line.size() - version.size()) != version) {
    fail("a request line without HTTP/1.x was accepted", std::string(line));
  }
  int hosts = 0;
  for (std::size_t at = head.find('\n'); at != std::string_view::npos;
       at = head.find('\n', at + 1)) {
    std::string_view name = head.substr(at + 1, 5);
    if (name.size() == 5 && strncasecmp(name.data(), "host:", 5) == 0) ++hosts;
  }
  if (hosts > 1 || (q.version_minor == 1 && hosts != 1)) {
    fail("a request with a wrong number of Host lines was accepted", std::to_string(hosts));
  }
}

// Parses `input` as a connection does: answers every complete request buffered; when none
// is left, keeps the unfinished head at the buffer's start and reads more, `small_pieces`
// ones of 1 to 7 bytes or as much as fits. Stops where the connection would close. Returns
// one line per answer.
std::string parse_stream(RequestParser& parser, const std::uint8_t* input, std::size_t size,
                         bool small_pieces) {
  InputBuffer buffer;
  std::string answers;
  std::uint32_t parsed = 0;
  std::size_t taken = 0;
  for (std::size_t reads = 0;;) {
    std::uint32_t begin = parsed;
    std::uint32_t next = buffer.size();
    ParseStatus status = parser.parse(buffer.data(), begin, buffer.size(), &next);
    if (status == ParseStatus::kError) {
      answers += "error " + std::to_string(parser.error_status()) + "\n";
      return answers;
    }
    if (status == ParseStatus::kRequest) {
      check_spans(parser, begin, next, buffer.size());
      check_head(parser.request(), std::string_view(buffer.data() + parser.message_start(),
                                                    next - parser.message_start()));
      describe(parser.request(), buffer.data(), &answers);
      if (parser.request().has_body) return answers;  // the body is never read: close
      parsed = next;
      continue;
    }
    if (taken == size) return answers;
    std::uint32_t keep_from = parser.in_message() ? parser.message_start() : buffer.size();
    buffer.drop_front(keep_from);
    parser.shift(keep_from);
    parsed = buffer.size();
    std::size_t piece = small_pieces ? 1 + reads++ % 7 : kMaxHeadBytes;
    auto n =
        static_cast<std::uint32_t>(std::min({piece, size - taken, std::size_t{buffer.space()}}));
    if (n == 0) fail("an unfinished head fills the whole buffer", answers);
    buffer.append(input + taken, n);
    taken += n;
  }
}

}  // namespace
}  // namespace httpd

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace httpd;
  RequestParser parser;
  std::string large = parse_stream(parser, data, size, false);
  parser.reset();  // as a connection reuses its parser: nothing may survive the reset
  std::string small = parse_stream(parser, data, size, true);
  if (large != small) {
    fail("the answers depend on how the input was cut",
         "large reads:\n" + large + "small reads:\n" + small);
  }
  return 0;
}
