// hotswap-httpd takes its whole release history as live patches while clients keep
// requesting, over kept-alive and over new connections: no request may fail, every
// release's change must show right after its patch, and reverting undoes them in order.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct HttpAnswer {
  int status = 0;  // 0: the exchange failed
  std::string head;
  std::string body;
};

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// One request and its whole answer on an open connection; `buffer` keeps what was read past it.
HttpAnswer exchange(int fd, const std::string& request, std::string& buffer, bool head_only = false) {
  HttpAnswer a;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return a;
  auto read_more = [&] {
    char chunk[16384];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return a;
  a.head = buffer.substr(0, end + 4);
  buffer.erase(0, end + 4);
  std::size_t length = 0;
  for (const char* name : {"\r\nContent-Length: ", "\r\ncontent-length: "})
    if (auto at = a.head.find(name); at != std::string::npos) length = std::stoul(a.head.substr(at + std::strlen(name)));
  if (head_only || a.head.find(" 204 ") != std::string::npos || a.head.find(" 304 ") != std::string::npos) length = 0;
  while (buffer.size() < length)
    if (!read_more()) return a;
  a.body = buffer.substr(0, length);
  buffer.erase(0, length);
  a.status = std::atoi(a.head.c_str() + 9);
  return a;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

HttpAnswer fetch(int port, const std::string& method, const std::string& path) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  std::string buffer;
  HttpAnswer a = exchange(fd, method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", buffer,
                          method == "HEAD");
  close(fd);
  return a;
}

struct Load {
  std::atomic<bool> stop{false};
  std::atomic<long> ok{0}, not_ok{0}, failed{0}, closed_by_server{0};
  std::atomic<long> held_answers{0}, held_failed_after{-1};
  std::atomic<long> big_ok{0}, big_bad{0};
  std::vector<std::thread> threads;

  // `big`: the content of /big.bin, sent from its open file (too large for memory), read
  // slowly so that a transfer is under way at most updates: the cache entry it comes from
  // is held by the connection and moves with it (release 8 changes the entry's shape).
  void start(int port, const std::string& big) {
    threads.emplace_back([this, port, &big] {
      int fd = connect_to(port);
      std::string buffer;
      const std::string request = "GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n";
      while (!stop && fd >= 0) {
        if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) break;
        std::size_t end;
        char chunk[65536];
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
          ssize_t n = recv(fd, chunk, sizeof chunk, 0);
          if (n <= 0) break;
          buffer.append(chunk, static_cast<std::size_t>(n));
        }
        if (end == std::string::npos) break;
        bool good = buffer.compare(0, 15, "HTTP/1.1 200 OK") == 0;
        bool closing = has(buffer.substr(0, end), "Connection: close");
        buffer.erase(0, end + 4);
        while (buffer.size() < big.size()) {
          ssize_t n = recv(fd, chunk, sizeof chunk, 0);
          if (n <= 0) break;
          buffer.append(chunk, static_cast<std::size_t>(n));
          std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
        good = good && buffer.size() >= big.size() && buffer.compare(0, big.size(), big) == 0;
        (good ? big_ok : big_bad)++;
        if (!good) break;
        buffer.erase(0, big.size());
        if (closing) {
          close(fd);
          fd = connect_to(port);
          buffer.clear();
        }
      }
      if (fd >= 0) close(fd);
    });
    for (int t = 0; t < 3; ++t)  // kept-alive connections
      threads.emplace_back([this, port] {
        int fd = connect_to(port);
        std::string buffer;
        while (!stop && fd >= 0) {
          HttpAnswer a = exchange(fd, "GET /1k.bin HTTP/1.1\r\nHost: test\r\n\r\n", buffer);
          if (a.status == 0) {
            ++failed;
          } else {
            (a.status == 200 && a.body.size() == 1024 ? ok : not_ok)++;
            if (!has(a.head, "Connection: close")) continue;  // release 6 closes after --keepalive-requests
            ++closed_by_server;
          }
          close(fd);
          fd = connect_to(port);
          buffer.clear();
        }
        if (fd >= 0) close(fd);
      });
    threads.emplace_back([this, port] {  // one connection held across every update, never reopened
      int fd = connect_to(port);
      std::string buffer;
      for (long n = 0, on_this = 0; !stop && fd >= 0; ++n) {
        HttpAnswer a = exchange(fd, "GET /index.html HTTP/1.1\r\nHost: test\r\n\r\n", buffer);
        ++on_this;
        bool closing = has(a.head, "Connection: close");
        // Releases 6 and 7 close a connection with its 1000th answer (counted from the
        // update for a connection older than release 6): only that close is right.
        if (a.status != 200 || a.body != "hello\n" || (closing && on_this < 1000)) {
          held_failed_after = n;
          break;
        }
        ++held_answers;
        if (closing) {
          close(fd);
          fd = connect_to(port);
          buffer.clear();
          on_this = 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (fd >= 0) close(fd);
    });
    threads.emplace_back([this, port] {  // a new connection per request
      while (!stop) {
        HttpAnswer a = fetch(port, "GET", "/index.html");
        if (a.status == 0) ++failed;
        else (a.status == 200 ? ok : not_ok)++;
      }
    });
  }
  void finish() {
    stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~Load() { finish(); }  // also when an assertion ends the test early
};

int run_tool(const std::string& args, std::string* out) {
  std::string cmd = std::string(HOTSWAP_TOOL) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out->append(buf.data(), n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whether a kept-alive connection is closed by the server with its `limit`th answer, and
// not before (release 6: --keepalive-requests, default 1000).
bool closes_after_keepalive_requests(int port, int limit) {
  int fd = connect_to(port);
  if (fd < 0) return false;
  std::string buffer;
  bool closed_at_limit = false;
  for (int n = 1; n <= limit; ++n) {
    HttpAnswer a = exchange(fd, "GET /index.html HTTP/1.1\r\nHost: test\r\n\r\n", buffer);
    bool closing = has(a.head, "Connection: close");
    if (a.status != 200 || (closing && n < limit)) break;
    closed_at_limit = closing && n == limit;
  }
  close(fd);
  return closed_at_limit;
}

// What release n changed, as seen by a client: true once the release runs.
bool release_visible(int port, int n) {
  switch (n) {
    case 1: return has(fetch(port, "GET", "/index.html").head, "Cache-Control: public, max-age=300");
    case 2: return has(fetch(port, "GET", "/index.html").head, "X-Content-Type-Options: nosniff");
    case 3: return fetch(port, "OPTIONS", "/").status == 204;
    case 4: return has(fetch(port, "GET", "/-/status").body, "\"responses\":{");
    case 5: return has(fetch(port, "GET", "/no-such-page").body, "<address>hotswap-httpd</address>");
    case 6: return closes_after_keepalive_requests(port, 1000);
    case 7: return has(fetch(port, "GET", "/-/status").body, "\"keepalive\":{\"requests\":1000,\"time_seconds\":3600}");
    case 8: return has(fetch(port, "GET", "/-/status").body, "\"cache\":{\"entries\":");
    default: return false;
  }
}

class Releases : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/httpd-live-" + std::to_string(getpid());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_ + "/www " + dir_ + "/run && chmod 700 " + dir_ +
                           "/run && head -c 1024 /dev/urandom > " + dir_ + "/www/1k.bin && echo hello > " + dir_ +
                           "/www/index.html && head -c 4194304 /dev/urandom > " + dir_ + "/www/big.bin")
                              .c_str()),
              0);
    FILE* f = std::fopen((dir_ + "/www/big.bin").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    big_.resize(4194304);
    ASSERT_EQ(std::fread(big_.data(), 1, big_.size(), f), big_.size());
    std::fclose(f);
    setenv("XDG_RUNTIME_DIR", (dir_ + "/run").c_str(), 1);
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      // Two workers: a type-changing update must find both parked where they hold nothing.
      std::vector<std::string> args = {HTTPD_BINARY, "--root", dir_ + "/www", "--listen", "127.0.0.1:0", "--threads", "2"};
      for (const std::string& a : extra_args()) args.push_back(a);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(HTTPD_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string first;
    char c;
    pollfd p{out[0], POLLIN, 0};
    while (poll(&p, 1, 10000) > 0 && read(out[0], &c, 1) == 1 && c != '\n') first += c;
    close(out[0]);
    auto colon = first.rfind(':');
    ASSERT_NE(colon, std::string::npos) << first;
    port_ = std::atoi(first.c_str() + colon + 1);
    ASSERT_GT(port_, 0) << first;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "graceful exit after the patches";
    }
    std::system(("rm -rf " + dir_).c_str());
  }
  std::string patch(int n) const { return std::string(HTTPD_RELEASES) + "/hotswap-httpd-r" + std::to_string(n) + ".hsp"; }
  // Applies releases 1 to `last`, then opens a kept-alive connection that has had an answer.
  void apply_and_open(int last, int* fd, std::string* buffer) {
    std::string out;
    for (int n = 1; n <= last; ++n) ASSERT_EQ(run_tool("apply " + std::to_string(pid_) + " " + patch(n), &out), 0) << out;
    *fd = connect_to(port_);
    ASSERT_GE(*fd, 0);
    ASSERT_EQ(exchange(*fd, request, *buffer).status, 200);
  }
  const std::string request = "GET /index.html HTTP/1.1\r\nHost: test\r\n\r\n";

  // Options the server starts with besides its root, address and two workers.
  virtual std::vector<std::string> extra_args() const { return {}; }

  std::string dir_;
  std::string big_;  // the content of /big.bin
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(Releases, WholeSeriesAppliesLiveUnderLoadThenRevertsWithoutAFailedRequest) {
  ASSERT_EQ(HTTPD_RELEASE_COUNT, 8);
  Load load;
  load.start(port_, big_);
  std::string pid = std::to_string(pid_);
  // A connection that asks 400 times under release 6 and goes on across release 7, which
  // moves every connection to a new layout again: its count moves with it, so it is closed
  // with its 1000th answer in all (--keepalive-requests), not its 1000th after the update.
  int counted = -1;
  std::string counted_buffer;
  for (int n = 1; n <= HTTPD_RELEASE_COUNT; ++n) {
    EXPECT_FALSE(release_visible(port_, n)) << "release " << n << " before its patch";
    if (n == 7) {
      counted = connect_to(port_);
      for (int i = 1; i <= 400; ++i) ASSERT_EQ(exchange(counted, request, counted_buffer).status, 200) << i;
    }
    std::string out;
    long big_before = load.big_ok;
    ASSERT_EQ(run_tool("apply " + pid + " " + patch(n), &out), 0) << out;
    if (n == 8) {
      // Release 8 changes the cache entry's shape: every entry moves, once for all of its
      // owners (index.html, 1k.bin and big.bin are each cached by a worker the load reached;
      // an entry replaced since and still being sent moves too), and the file being sent
      // by the slow reader goes on.
      const std::string moved = "httpd::FileEntry ";
      auto at = out.find(moved);
      ASSERT_NE(at, std::string::npos) << "the entries moved: " << out;
      EXPECT_GE(std::atol(out.c_str() + at + moved.size()), 3) << out;
      for (int i = 0; i < 1000 && load.big_ok == big_before; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      EXPECT_GT(load.big_ok, big_before) << "the large file sent across release 8";
      // The caches as the workers publish them (half a second at most): nothing evicted.
      std::string cache;
      for (int i = 0; i < 100 && (!has(cache, "\"cache\":{") || has(cache, "\"cache\":{\"entries\":0,")); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        cache = fetch(port_, "GET", "/-/status").body;
      }
      EXPECT_TRUE(has(cache, "\"evictions\":0}")) << "every entry kept: " << cache;
    }
    if (n == 7) {
      int closed_with = 0;
      for (int i = 401; i <= 1000 && !closed_with; ++i) {
        HttpAnswer a = exchange(counted, request, counted_buffer);
        if (a.status != 200) break;
        if (has(a.head, "Connection: close")) closed_with = i;
      }
      EXPECT_EQ(closed_with, 1000) << "the connection's request count across release 7";
      close(counted);
    }
    EXPECT_TRUE(release_visible(port_, n)) << "release " << n << " after its patch";
    for (int m = 1; m < n; ++m) EXPECT_TRUE(release_visible(port_, m)) << "release " << m << " kept after " << n;
  }
  std::string out;
  ASSERT_EQ(run_tool("status " + pid + " --json", &out), 0) << out;
  EXPECT_TRUE(has(out, "hotswap-httpd-r8.hsp")) << out;
  // The server's own status page says what release 6 moved: the open connections among them.
  std::string status = fetch(port_, "GET", "/-/status").body;
  EXPECT_TRUE(has(status, "\"migrated\":\"httpd::g_options")) << status;
  EXPECT_TRUE(has(status, "httpd::Connection ")) << status;
  for (int n = HTTPD_RELEASE_COUNT; n >= 1; --n) {
    out.clear();
    ASSERT_EQ(run_tool("revert " + pid, &out), 0) << out;
    EXPECT_FALSE(release_visible(port_, n)) << "release " << n << " after its revert";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  load.finish();
  EXPECT_GT(load.ok, 0);
  EXPECT_EQ(load.not_ok, 0);
  EXPECT_EQ(load.failed, 0);
  EXPECT_EQ(load.held_failed_after, -1) << "the connection held across every update failed after "
                                        << load.held_failed_after << " answers";
  EXPECT_GT(load.held_answers, 50);
  EXPECT_EQ(load.big_bad, 0) << "a large file sent across an update came out wrong";
  EXPECT_GT(load.big_ok, 0);
}

TEST_F(Releases, ARefusedTypeChangeLeavesEveryConnectionServing) {
  // A refused migration has built the new workers and connections, holding copies of the
  // running ones' sockets: it gives them up without destroying them (their destructors
  // would close the sockets the server goes on serving on).
  std::string pid = std::to_string(pid_);
  std::string out, buffer;
  int kept = -1;
  ASSERT_NO_FATAL_FAILURE(apply_and_open(5, &kept, &buffer));

  EXPECT_NE(run_tool("apply " + pid + " " + REFUSING_R6_PATCH, &out), 0) << out;
  EXPECT_TRUE(has(out, "this copy of release 6 refuses once the server is moved")) << out;
  HttpAnswer after = exchange(kept, request, buffer);
  EXPECT_EQ(after.status, 200) << "the connection open across the refusal";
  EXPECT_EQ(after.body, "hello\n");
  EXPECT_EQ(fetch(port_, "GET", "/index.html").status, 200) << "a new connection after the refusal";
  EXPECT_FALSE(release_visible(port_, 6));

  out.clear();
  ASSERT_EQ(run_tool("apply " + pid + " " + patch(6), &out), 0) << out;
  EXPECT_EQ(exchange(kept, request, buffer).status, 200) << "the same connection, now release 6's";
  EXPECT_TRUE(release_visible(port_, 6));
  close(kept);
}

TEST_F(Releases, ARefusedRevertGivesEveryConnectionItsSocketBack) {
  // The revert's transformers take each socket over into the old-layout objects they build
  // (the patch's objects are destroyed by their own destructors, which would close them);
  // when the revert is then refused, every socket goes back where it was.
  std::string pid = std::to_string(pid_);
  std::string out, buffer;
  int kept = -1;
  ASSERT_NO_FATAL_FAILURE(apply_and_open(5, &kept, &buffer));
  ASSERT_EQ(run_tool("apply " + pid + " " + REVERT_REFUSING_R6_PATCH, &out), 0) << out;
  EXPECT_TRUE(release_visible(port_, 6));

  out.clear();
  EXPECT_NE(run_tool("revert " + pid, &out), 0) << out;
  EXPECT_TRUE(has(out, "refuses to be reverted")) << out;
  HttpAnswer after = exchange(kept, request, buffer);
  EXPECT_EQ(after.status, 200) << "the connection open across the refused revert";
  EXPECT_EQ(after.body, "hello\n");
  EXPECT_EQ(fetch(port_, "GET", "/index.html").status, 200) << "a new connection after it";
  EXPECT_TRUE(release_visible(port_, 6)) << "release 6 still runs";
  close(kept);
}

// Release 8's cache is bounded by bytes and lets the least recently used file go first. A
// file rewritten with its size and modification time kept looks unchanged to the cache: it
// goes on sending the old content while the entry stays, and the new one once the entry
// was evicted. So, with room for two of these files: a, b, a again, then c; a stayed, b went.
class SmallCache : public Releases {
 protected:
  std::vector<std::string> extra_args() const override { return {"--cache-size", "16000"}; }
  void write_kept_time(const std::string& name, char version) {
    std::string path = dir_ + "/www/" + name;
    struct stat before{};
    bool existed = stat(path.c_str(), &before) == 0;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(1, version) << std::string(6999, name[0]);
    if (existed) {
      timespec times[2] = {before.st_atim, before.st_mtim};
      utimensat(AT_FDCWD, path.c_str(), times, 0);
    }
  }
};

TEST_F(SmallCache, ReleaseEightLetsTheLeastRecentlyUsedFileGoFirst) {
  for (const char* name : {"a.txt", "b.txt", "c.txt"}) write_kept_time(name, '1');
  int fd = -1;
  std::string buffer;
  ASSERT_NO_FATAL_FAILURE(apply_and_open(8, &fd, &buffer));  // one connection: one worker's cache
  auto get = [&](const std::string& name) {
    HttpAnswer a = exchange(fd, "GET /" + name + " HTTP/1.1\r\nHost: test\r\n\r\n", buffer);
    return a.status == 200 && a.body.size() == 7000 ? a.body[0] : '?';
  };
  EXPECT_EQ(get("a.txt"), '1');
  EXPECT_EQ(get("b.txt"), '1');
  EXPECT_EQ(get("a.txt"), '1');  // a is now the most recently used
  EXPECT_EQ(get("c.txt"), '1');  // no room for three: the least recently used goes
  write_kept_time("a.txt", '2');
  write_kept_time("b.txt", '2');
  EXPECT_EQ(get("a.txt"), '1') << "a was used more recently than b: it stayed";
  EXPECT_EQ(get("b.txt"), '2') << "b was the least recently used: it went";
  close(fd);
  std::string status;
  for (int i = 0; i < 50 && (status.empty() || has(status, "\"evictions\":0}")); ++i) {  // until a sweep publishes
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = fetch(port_, "GET", "/-/status").body;
  }
  EXPECT_FALSE(has(status, "\"evictions\":0}")) << status;
}

}  // namespace
