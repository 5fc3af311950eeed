// Behaviour of hotswap-httpd over loopback, for both builds (static and updateable): files,
// keep-alive, pipelining, conditional and range requests, redirects, limits, malformed and
// smuggling requests, escapes from the root, timeouts, the connection cap and graceful
// shutdown. After every test the server must still answer.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.h"

namespace httpd_test {
namespace {

struct Build {
  const char* name;
  const char* binary;
  bool updateable;
};

void PrintTo(const Build& build, std::ostream* os) { *os << build.name; }

const Build kBuilds[] = {
    {"static", HTTPD_STATIC_BINARY, false},
    {"updateable", HTTPD_UPDATEABLE_BINARY, true},
};

void fill_root(DocRoot& root) {
  root.write("index.html", "<h1>home</h1>\n");
  root.write("a.txt", pattern(1024, 1));
  root.write("six.txt", pattern(6000, 4));  // in memory, sent with writev
  root.write("medium.txt", pattern(16 * 1024, 2));
  root.write("big.bin", pattern(1024 * 1024 + 7, 3));  // beyond the cache: sendfile
  root.write("style.css", "body{}");
  root.write("data.json", "{}");
  root.write("noext", "x");
  root.write("with space.txt", "spaced");
  root.write("dir/index.html", "<p>dir</p>\n");
  root.write("dir/file.txt", "in dir");
  root.mkdir("emptydir");
  root.symlink("a.txt", "link-inside.txt");
  std::ofstream(root.outside() + "/secret.txt") << "secret";
  root.symlink(root.outside() + "/secret.txt", "link-outside.txt");
  root.symlink(root.outside(), "dir-outside");
  root.symlink("../outside/secret.txt", "relative-outside.txt");
}

class HttpdTest : public ::testing::TestWithParam<Build> {
 protected:
  void SetUp() override {
    fill_root(root_);
    server_ = std::make_unique<Server>(GetParam().binary, root_.path(), extra_args());
    ASSERT_TRUE(server_->ok()) << server_->error();
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_ && server_->ok() && server_->pid() > 0) {
      EXPECT_TRUE(server_->alive()) << "the server died or stopped answering";
    }
  }
  virtual std::vector<std::string> extra_args() { return {}; }

  std::optional<Response> get(const std::string& target, const std::string& headers = "") {
    return fetch(port_, get_request(target, headers));
  }
  int status_of(const std::string& raw_request) {
    std::optional<Response> r = fetch(port_, raw_request);
    return r ? r->status : -1;
  }
  // True once the server has at most `n` connections open besides the one asking, within
  // timeout_ms.
  bool open_connections_drop_to(int n, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
      std::optional<Response> r = get("/-/status");
      if (r && r->status == 200 &&
          nlohmann::json::parse(r->body)["connections"]["open"].get<int>() <= n + 1) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  DocRoot root_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

std::string name_of(const ::testing::TestParamInfo<Build>& info) { return info.param.name; }

#define HTTPD_INSTANTIATE(fixture) \
  INSTANTIATE_TEST_SUITE_P(Builds, fixture, ::testing::ValuesIn(kBuilds), name_of)

// --- files ---------------------------------------------------------------------------------

TEST_P(HttpdTest, GetServesFileWithValidators) {
  auto r = get("/a.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, root_.read("a.txt"));
  EXPECT_EQ(r->header("content-length"), "1024");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->header("accept-ranges"), "bytes");
  EXPECT_FALSE(r->header("etag").empty());
  EXPECT_EQ(r->header("etag").front(), '"');
  EXPECT_EQ(r->header("last-modified").size(), 29u);
  EXPECT_EQ(r->header("date").size(), 29u);
}

TEST_P(HttpdTest, MediumAndLargeFilesArriveWhole) {
  auto six = get("/six.txt");
  ASSERT_TRUE(six);
  EXPECT_TRUE(six->body == root_.read("six.txt"));
  EXPECT_TRUE(get("/six.txt", "Range: bytes=4000-\r\n")->body ==
              root_.read("six.txt").substr(4000));
  auto medium = get("/medium.txt");
  ASSERT_TRUE(medium);
  EXPECT_EQ(medium->body, root_.read("medium.txt"));
  auto big = get("/big.bin");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_EQ(big->header("content-type"), "application/octet-stream");
  EXPECT_TRUE(big->body == root_.read("big.bin"));
}

TEST_P(HttpdTest, MimeTypesByExtension) {
  EXPECT_EQ(get("/index.html")->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/style.css")->header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(get("/data.json")->header("content-type"), "application/json");
  EXPECT_EQ(get("/noext")->header("content-type"), "application/octet-stream");
}

TEST_P(HttpdTest, PercentEncodedNames) {
  auto r = get("/with%20space.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "spaced");
  EXPECT_EQ(get("/%61.txt")->status, 200);  // %61 = 'a'
  EXPECT_EQ(get("/a.txt?query=1")->status, 200);
}

TEST_P(HttpdTest, MissingFileIs404) {
  auto r = get("/nope.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(get("/a.txt/")->status, 404);  // a file named as a directory
}

TEST_P(HttpdTest, HeadHasHeadersButNoBody) {
  Client c(port_);
  ASSERT_TRUE(c.send("HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n" + get_request("/noext")));
  auto head = c.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "1024");
  // Had the HEAD answer carried a body, this would parse its bytes as a status line.
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "x");
  ASSERT_TRUE(c.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" + get_request("/noext")));
  ASSERT_TRUE(c.read_response(true));
  EXPECT_EQ(c.read_response()->body, "x");
}

// --- connections ---------------------------------------------------------------------------

TEST_P(HttpdTest, KeepAliveServesManyRequestsOnOneConnection) {
  Client c(port_);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.send(get_request(i % 2 ? "/a.txt" : "/medium.txt")));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->has("connection"));
  }
}

TEST_P(HttpdTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::vector<std::string> targets = {"/a.txt",   "/six.txt",  "/nope",      "/medium.txt",
                                            "/big.bin", "/dir",      "/style.css", "/-/status",
                                            "/a.txt",   "/data.json"};
  std::string batch;
  for (const auto& t : targets) batch += get_request(t);
  batch += "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n" + get_request("/noext");
  Client c(port_);
  ASSERT_TRUE(c.send(batch));
  const std::vector<int> expected = {200, 200, 404, 200, 200, 301, 200, 200, 200, 200};
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << targets[i];
    EXPECT_EQ(r->status, expected[i]) << targets[i];
    if (targets[i] == "/big.bin") {
      EXPECT_TRUE(r->body == root_.read("big.bin"));
    }
    if (targets[i] == "/six.txt") {
      EXPECT_TRUE(r->body == root_.read("six.txt"));
    }
  }
  EXPECT_EQ(c.read_response(true)->header("content-length"), "1024");
  EXPECT_EQ(c.read_response()->body, "x");
}

TEST_P(HttpdTest, PipelineSplitAcrossWritesAtEveryByte) {
  std::string two = get_request("/noext") + get_request("/style.css");
  for (std::size_t cut = 1; cut < two.size(); cut += 7) {
    Client c(port_);
    ASSERT_TRUE(c.send(two.substr(0, cut)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(c.send(two.substr(cut)));
    auto first = c.read_response();
    auto second = c.read_response();
    ASSERT_TRUE(first && second) << "cut at " << cut;
    EXPECT_EQ(first->body, "x");
    EXPECT_EQ(second->body, "body{}");
  }
}

TEST_P(HttpdTest, Http10ClosesUnlessKeepAliveAsked) {
  Client c(port_);
  ASSERT_TRUE(c.send("GET /noext HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_TRUE(c.wait_closed(5000));

  Client k(port_);
  ASSERT_TRUE(k.send("GET /noext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = k.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->header("connection"), "keep-alive");
  ASSERT_TRUE(k.send("GET /noext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(k.read_response());
}

TEST_P(HttpdTest, ConnectionCloseIsHonoured) {
  Client c(port_);
  ASSERT_TRUE(c.send(get_request("/noext", "Connection: close\r\n") + get_request("/noext")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  std::string rest;
  EXPECT_TRUE(c.wait_closed(5000, &rest));
  EXPECT_EQ(rest, "") << "a request after Connection: close was answered";
}

TEST_P(HttpdTest, HalfClosedClientGetsItsAnswersThenTheClose) {
  Client c(port_);
  // Corked, the requests leave in one segment with the FIN: the server learns of both in
  // a single event.
  int one = 1;
  setsockopt(c.fd(), IPPROTO_TCP, TCP_CORK, &one, sizeof one);
  ASSERT_TRUE(c.send(get_request("/noext") + get_request("/a.txt")));
  c.shutdown_write();
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->body, root_.read("a.txt"));
  // Without noticing the EOF the server would keep the connection for the idle timeout.
  EXPECT_TRUE(c.wait_closed(5000));
}

// --- directories -----------------------------------------------------------------------------

TEST_P(HttpdTest, DirectoriesServeIndexAndRedirectToSlash) {
  auto home = get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 200);
  EXPECT_EQ(home->body, "<h1>home</h1>\n");
  auto redirect = get("/dir");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->header("location"), "/dir/");
  EXPECT_EQ(get("/dir?x=1&y=2")->header("location"), "/dir/?x=1&y=2");
  EXPECT_EQ(get("/dir/")->body, "<p>dir</p>\n");
  EXPECT_EQ(get("/dir/.")->body, "<p>dir</p>\n");
  EXPECT_EQ(get("/dir/file.txt")->body, "in dir");
  EXPECT_EQ(get("/emptydir/")->status, 403);
  EXPECT_EQ(get("/emptydir")->status, 301);
}

// --- conditional and range requests ----------------------------------------------------------

TEST_P(HttpdTest, NotModifiedByETagAndDate) {
  auto full = get("/a.txt");
  ASSERT_TRUE(full);
  std::string etag = full->header("etag");
  std::string date = full->header("last-modified");

  Client c(port_);
  ASSERT_TRUE(c.send(get_request("/a.txt", "If-None-Match: " + etag + "\r\n")));
  auto r = c.read_response();  // a 304 has no body: the next answer must parse
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->header("etag"), etag);
  EXPECT_FALSE(r->has("content-length"));
  ASSERT_TRUE(c.send(get_request("/noext")));
  EXPECT_EQ(c.read_response()->body, "x");

  EXPECT_EQ(get("/a.txt", "If-None-Match: \"x\", W/" + etag + "\r\n")->status, 304);
  EXPECT_EQ(get("/a.txt", "If-None-Match: *\r\n")->status, 304);
  EXPECT_EQ(get("/a.txt", "If-None-Match: \"other\"\r\n")->status, 200);
  EXPECT_EQ(get("/a.txt", "If-Modified-Since: " + date + "\r\n")->status, 304);
  EXPECT_EQ(get("/a.txt", "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n")->status, 200);
  EXPECT_EQ(get("/a.txt", "If-Modified-Since: garbage\r\n")->status, 200);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(
      get("/a.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + date + "\r\n")->status,
      200);
  Client h(port_);
  ASSERT_TRUE(h.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\nIf-None-Match: " +
                     get("/big.bin")->header("etag") + "\r\n\r\n"));
  EXPECT_EQ(h.read_response(true)->status, 304);
}

TEST_P(HttpdTest, SingleRanges) {
  std::string a = root_.read("a.txt");
  auto r = get("/a.txt", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->header("content-range"), "bytes 10-19/1024");
  EXPECT_EQ(r->body, a.substr(10, 10));
  EXPECT_EQ(get("/a.txt", "Range: bytes=-10\r\n")->body, a.substr(1014));
  EXPECT_EQ(get("/a.txt", "Range: bytes=1000-\r\n")->body, a.substr(1000));
  EXPECT_EQ(get("/a.txt", "Range: bytes=1000-5000\r\n")->body, a.substr(1000));
  // Several ranges or a malformed one: the whole file.
  EXPECT_EQ(get("/a.txt", "Range: bytes=0-1,5-6\r\n")->status, 200);
  EXPECT_EQ(get("/a.txt", "Range: bytes=9-1\r\n")->status, 200);
  EXPECT_EQ(get("/a.txt", "Range: lines=1-2\r\n")->status, 200);
  // Range through sendfile, with an offset.
  std::string big = root_.read("big.bin");
  auto tail = get("/big.bin", "Range: bytes=1000000-\r\n");
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_TRUE(tail->body == big.substr(1000000));
  auto middle = get("/medium.txt", "Range: bytes=100-9999\r\n");
  EXPECT_TRUE(middle->body == root_.read("medium.txt").substr(100, 9900));
}

TEST_P(HttpdTest, UnsatisfiableRangeIs416) {
  Client c(port_);
  ASSERT_TRUE(c.send(get_request("/a.txt", "Range: bytes=5000-\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->header("content-range"), "bytes */1024");
  ASSERT_TRUE(c.send(get_request("/noext")));  // still usable
  EXPECT_EQ(c.read_response()->body, "x");
}

TEST_P(HttpdTest, IfRangeGuardsTheRange) {
  auto full = get("/a.txt");
  std::string etag = full->header("etag");
  EXPECT_EQ(get("/a.txt", "Range: bytes=0-0\r\nIf-Range: " + etag + "\r\n")->status, 206);
  EXPECT_EQ(get("/a.txt", "Range: bytes=0-0\r\nIf-Range: \"old\"\r\n")->status, 200);
  EXPECT_EQ(get("/a.txt", "Range: bytes=0-0\r\nIf-Range: " + full->header("last-modified") + "\r\n")
                ->status,
            206);
}

// --- methods, framing, smuggling -------------------------------------------------------------

TEST_P(HttpdTest, OtherMethodsGet405WithAllow) {
  for (const char* method : {"DELETE", "PUT", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PROPFIND"}) {
    auto r = fetch(port_, std::string(method) + " /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_EQ(r->header("allow"), "GET, HEAD");
  }
  Client c(port_);
  ASSERT_TRUE(c.send("POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" +
                     get_request("/noext")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("connection"), "close");  // the body is not read: close
  EXPECT_TRUE(c.wait_closed(5000));
}

TEST_P(HttpdTest, UnknownMethodsGet501) {
  for (const char* method : {"BREW", "QUERY", "get", "DESCRIBE"}) {
    Client c(port_);
    ASSERT_TRUE(c.send(std::string(method) + " /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 501) << method;
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed(5000)) << method;
  }
}

TEST_P(HttpdTest, BadFramingIs400AndCloses) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CL+TE",
       "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"TE+CL",
       "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
       "Content-Length: 3\r\n\r\n0\r\n\r\n"},
      {"double CL", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"},
      {"CL list", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0, 0\r\n\r\n"},
      {"bad CL", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n"},
      {"negative CL", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n"},
      {"TE gzip", "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"},
      {"no Host", "GET / HTTP/1.1\r\n\r\n"},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  folded\r\n\r\n"},
      {"space before colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n"},
      {"bare LF", "GET / HTTP/1.1\r\nHost: t\nX: y\r\n\r\n"},
      {"bare CR", "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n"},
      // llhttp 8 reads a CR after an empty value as a line's end whatever follows (the
      // fuzzer found it): the Host line below is not one.
      {"bare CR after an empty value", "GET / HTTP/1.1\r\nX:\r\x8aHost: t\r\n\r\n"},
      {"control byte", std::string("GET / HTTP/1.1\r\nHost: t\x01\r\n\r\n")},
      {"NUL in header", std::string("GET / HTTP/1.1\r\nHost: t\0x\r\n\r\n", 29)},
      {"bad method", "G(T / HTTP/1.1\r\nHost: t\r\n\r\n"},
      {"space before method", " GET / HTTP/1.1\r\nHost: t\r\n\r\n"},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"},
      {"HTTP/0.9", "GET /\r\n\r\n"},
      {"bad version", "GET / HTTP/1.x\r\nHost: t\r\n\r\n"},
      {"bad percent", get_request("/%zz")},
      {"relative target", get_request("a.txt")},
  };
  for (const auto& [name, request] : cases) {
    Client c(port_);
    ASSERT_TRUE(c.send(request)) << name;
    std::string answer;
    EXPECT_TRUE(c.wait_closed(5000, &answer)) << name << ": connection left open";
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 400") << name << ": " << answer.substr(0, 40);
  }
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\nHost: t\r\n\r\n"), 505);
}

TEST_P(HttpdTest, SmuggledRequestInBodyIsNeverServed) {
  // Whatever a front end thought, the bytes after the head are a body, never a request.
  const std::string smuggled = get_request("/dir/file.txt");
  for (const std::string& head :
       {"GET /noext HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(smuggled.size()) +
            "\r\n\r\n",
        std::string("GET /noext HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")}) {
    Client c(port_);
    ASSERT_TRUE(c.send(head + smuggled));
    std::string all = c.read_all(5000);
    EXPECT_EQ(all.find("in dir"), std::string::npos) << head;
  }
  Client c(port_);
  ASSERT_TRUE(
      c.send("GET /noext HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
             smuggled));
  std::string all = c.read_all(5000);
  EXPECT_EQ(all.find("in dir"), std::string::npos);
  EXPECT_EQ(all.substr(0, 12), "HTTP/1.1 400");
}

// --- early answers to clients still sending ---------------------------------------------------
// The server refuses some requests before the client has sent all of them, answers and closes.
// Closing a socket with unread input makes the kernel reset the connection: the client's next
// write fails, and a reset can destroy an answer not yet read. Each test repeats its case, as
// the outcome depends on timing.

TEST_P(HttpdTest, HugeRequestLineGets414EveryTime) {
  const std::string request = "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    Client c(port_);
    // A client that writes its whole request before it reads. Most (Python's http.client,
    // curl) give up at a failed write and never read the answer.
    ASSERT_EQ(c.send_some(request), request.size()) << "attempt " << i << ": reset while sending";
    auto r = c.read_response();
    ASSERT_TRUE(r) << "attempt " << i << ": the answer was lost";
    EXPECT_EQ(r->status, 414);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed(5000));
  }
  // Each client closed after reading: the server closed at once, not at a timeout.
  EXPECT_TRUE(open_connections_drop_to(0, 1000));
}

TEST_P(HttpdTest, LargeBodyOfARefusedMethodGets405EveryTime) {
  const std::string body = pattern(1 << 20);
  const std::string request =
      "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  for (int i = 0; i < 20; ++i) {
    Client c(port_);
    ASSERT_EQ(c.send_some(request), request.size()) << "attempt " << i << ": reset while sending";
    auto r = c.read_response();
    ASSERT_TRUE(r) << "attempt " << i << ": the answer was lost";
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->header("allow"), "GET, HEAD");
    EXPECT_TRUE(c.wait_closed(5000));
  }
}

TEST_P(HttpdTest, DrainingAfterAnEarlyAnswerIsBounded) {
  // A client that never stops sending is cut off (by the byte bound: at loopback speed it
  // comes long before the time bound).
  Client endless(port_);
  ASSERT_TRUE(endless.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\r\n"));
  const std::string chunk(1 << 16, 'x');
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (endless.send_some(chunk, 2000) == chunk.size() &&
         std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_LT(std::chrono::steady_clock::now(), deadline) << "the server drained without end";
  // A client that stops sending but never closes is closed after a quiet period.
  Client quiet(port_);
  ASSERT_TRUE(quiet.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + chunk));
  auto r = quiet.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_TRUE(open_connections_drop_to(0, 10000)) << "a draining connection was never closed";
}

TEST_P(HttpdTest, AbsoluteFormTarget) {
  auto r = fetch(port_, "GET http://example.com/noext HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "x");
}

TEST_P(HttpdTest, LimitsGive414And431) {
  Client c(port_);
  ASSERT_TRUE(c.send(get_request("/" + std::string(9000, 'a'))));
  std::string answer;
  EXPECT_TRUE(c.wait_closed(5000, &answer));
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 414");

  std::string headers;
  for (int i = 0; i < 400; ++i)
    headers += "X-Header-" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  Client h(port_);
  h.send(get_request("/a.txt", headers));
  answer.clear();
  EXPECT_TRUE(h.wait_closed(5000, &answer));
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 431");

  // A request line longer than the whole head buffer, without a target limit hit first.
  Client l(port_);
  l.send("GET /" + std::string(20000, 'b'));
  answer.clear();
  EXPECT_TRUE(l.wait_closed(5000, &answer));
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 414");
}

// --- the root cannot be left ---------------------------------------------------------------

TEST_P(HttpdTest, TraversalIsRefused) {
  const std::vector<std::string> attempts = {
      "/../outside/secret.txt",
      "/..%2foutside%2fsecret.txt",
      "/%2e%2e/outside/secret.txt",
      "/%2E%2E%2Foutside%2Fsecret.txt",
      "/dir/../../outside/secret.txt",
      "/dir/%2e%2e/%2e%2e/outside/secret.txt",
      "/./../outside/secret.txt",
      "/..",
      "/link-outside.txt",
      "/relative-outside.txt",
      "/dir-outside/secret.txt",
      "/dir-outside/",
      "/a.txt%00.html",
      "/%00",
      "/dir/%00/../a.txt",
      "//etc/passwd",
      "/%2f%2fetc/passwd",
  };
  for (const std::string& target : attempts) {
    auto r = fetch(port_, "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r) << target;
    EXPECT_TRUE(r->status == 403 || r->status == 404) << target << " -> " << r->status;
    EXPECT_EQ(r->body.find("secret"), std::string::npos) << target;
  }
  // Dot segments that stay inside the root are fine.
  EXPECT_EQ(get("/dir/../a.txt")->status, 200);
  EXPECT_EQ(get("/dir/%2e%2e/noext")->body, "x");
  auto inside = get("/link-inside.txt");
  EXPECT_EQ(inside->status, 200);
  EXPECT_EQ(inside->body, root_.read("a.txt"));
}

// --- status page -----------------------------------------------------------------------------

TEST_P(HttpdTest, StatusIsJsonWithVersionChain) {
  ASSERT_TRUE(get("/a.txt"));
  auto r = get("/-/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  nlohmann::json status = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(status.is_discarded()) << r->body;
  EXPECT_GE(status["uptime_seconds"].get<double>(), 0.0);
  EXPECT_GE(status["requests"].get<std::uint64_t>(), 1u);
  EXPECT_GE(status["connections"]["open"].get<std::uint64_t>(), 1u);
  EXPECT_GE(status["connections"]["accepted"].get<std::uint64_t>(), 2u);
  EXPECT_EQ(status["threads"], 1);
  EXPECT_EQ(status["updateable"], GetParam().updateable);
  ASSERT_TRUE(status["versions"].is_array());
  if (GetParam().updateable) {
    ASSERT_GE(status["versions"].size(), 1u);
    std::string base = status["versions"][0]["build_id"];
    EXPECT_FALSE(base.empty());
    EXPECT_EQ(status["version"], status["versions"].back()["build_id"]);
  } else {
    EXPECT_TRUE(status["versions"].empty());
  }
  auto again = nlohmann::json::parse(get("/-/status")->body);
  EXPECT_GT(again["requests"].get<std::uint64_t>(), status["requests"].get<std::uint64_t>());
  auto head = fetch(port_, "HEAD /-/status HTTP/1.1\r\nHost: t\r\n\r\n", true);
  EXPECT_EQ(head->status, 200);
}

// --- many connections --------------------------------------------------------------------------

TEST_P(HttpdTest, FiveHundredConcurrentConnections) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 500; ++i) {
    clients.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (auto& c : clients) ASSERT_TRUE(c->send(get_request("/a.txt")));
  int ok = 0;
  for (auto& c : clients) {
    auto r = c->read_response();
    if (r && r->status == 200 && r->body.size() == 1024) ++ok;
  }
  EXPECT_EQ(ok, 500);
}

HTTPD_INSTANTIATE(HttpdTest);

// --- servers with special options --------------------------------------------------------------

class TimeoutTest : public HttpdTest {
  std::vector<std::string> extra_args() override {
    return {"--header-timeout", "0.5", "--idle-timeout", "0.5"};
  }
};

TEST_P(TimeoutTest, SlowHeadIsCutOffWith408) {
  Client c(port_);
  ASSERT_TRUE(c.send("GET /a.txt HTTP/1.1\r\nHo"));
  std::string answer;
  EXPECT_TRUE(c.wait_closed(10000, &answer));
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 408");
}

TEST_P(TimeoutTest, TricklingBytesDoesNotExtendTheHeaderTimeout) {
  Client c(port_);
  // One byte every 50 ms of an endless header: only the header timeout can end this.
  bool closed = false;
  ASSERT_TRUE(c.send("GET /a.txt HTTP/1.1\r\nHost: t\r\nX: "));
  for (int i = 0; i < 400 && !closed; ++i) {
    if (!c.send("v")) break;
    closed = c.wait_closed(50);
  }
  EXPECT_TRUE(closed || c.wait_closed(5000));
}

TEST_P(TimeoutTest, SteadyPipelineWithPartialRequestsIsNotCutOff) {
  // Every write ends one request and starts the next, for three header timeouts: the
  // connection always holds a partial head, yet every request is answered.
  Client c(port_);
  const std::string request = get_request("/noext");
  const std::string start = request.substr(0, 10);
  const std::string rest = request.substr(10);
  ASSERT_TRUE(c.send(start));
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(c.send(rest + start)) << i;
    auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i << " was not answered";
    EXPECT_EQ(r->body, "x");
  }
}

TEST_P(TimeoutTest, SilentConnectionAndIdleKeepAliveAreClosed) {
  Client silent(port_);
  EXPECT_TRUE(silent.wait_closed(10000));
  Client idle(port_);
  ASSERT_TRUE(idle.send(get_request("/noext")));
  ASSERT_TRUE(idle.read_response());
  EXPECT_TRUE(idle.wait_closed(10000));
}

HTTPD_INSTANTIATE(TimeoutTest);

class CapTest : public HttpdTest {
  std::vector<std::string> extra_args() override { return {"--max-connections", "50"}; }
};

TEST_P(CapTest, ConnectionsBeyondTheCapAreRefusedAndServiceRecovers) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 500; ++i) {
    clients.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  int served = 0, refused = 0;
  for (auto& c : clients) {
    c->send(get_request("/noext"));  // may fail: a refused connection can be reset
  }
  for (auto& c : clients) {
    auto r = c->read_response();
    if (r && r->status == 200) {
      ++served;
    } else if ((r && r->status == 503) || c->wait_closed(5000)) {
      ++refused;
    }
  }
  EXPECT_GE(served, 1);
  EXPECT_LE(served, 50);
  EXPECT_EQ(served + refused, 500) << "some connections were neither served nor refused";
  clients.clear();
  // Below the cap again: served.
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto r = get("/noext");
    if (r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "the server did not recover below the cap";
}

HTTPD_INSTANTIATE(CapTest);

class ShutdownTest : public HttpdTest {
  std::vector<std::string> extra_args() override {
    return {"--access-log", root_.outside() + "/access.log", "--threads", "2"};
  }
};

TEST_P(ShutdownTest, SigtermFinishesResponsesInFlightAndExitsZero) {
  Client idle(port_);
  ASSERT_TRUE(idle.send(get_request("/noext")));
  ASSERT_TRUE(idle.read_response());
  // A large response the client reads slowly: the server is still sending at SIGTERM.
  Client slow(port_, /*receive_buffer=*/4096);
  ASSERT_TRUE(slow.send(get_request("/big.bin")));
  auto head = slow.read_head_only();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  pid_t pid = server_->pid();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  std::string body;
  ASSERT_TRUE(slow.read_exact(std::stoul(head->header("content-length")), &body, 10000));
  EXPECT_TRUE(body == root_.read("big.bin"));
  EXPECT_TRUE(slow.wait_closed(10000));
  EXPECT_TRUE(idle.wait_closed(10000));
  std::optional<int> status = server_->stop(0);  // signal 0: only wait
  ASSERT_TRUE(status.has_value()) << "the server did not exit";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST_P(ShutdownTest, AccessLogUsesCombinedFormat) {
  ASSERT_TRUE(get("/a.txt?x=\"1\"", "Referer: http://ref/\r\nUser-Agent: test-agent/1.0\r\n"));
  ASSERT_TRUE(fetch(port_, "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<int> status = server_->stop(SIGTERM);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  std::ifstream log(root_.outside() + "/access.log");
  std::stringstream text;
  text << log.rdbuf();
  std::regex line(
      R"(127\.0\.0\.1 - - \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /a\.txt\?x=\\x221\\x22 HTTP/1\.1" 200 1024 "http://ref/" "test-agent/1\.0"\n)");
  EXPECT_TRUE(std::regex_search(text.str(), line)) << text.str();
  EXPECT_NE(text.str().find("\"-\" 501 "), std::string::npos) << text.str();
}

TEST_P(ShutdownTest, TwoThreadsServe) {
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get("/a.txt")->status, 200);
  auto status = nlohmann::json::parse(get("/-/status")->body);
  EXPECT_EQ(status["threads"], 2);
}

HTTPD_INSTANTIATE(ShutdownTest);

}  // namespace
}  // namespace httpd_test
