// The control socket under abuse: raw, malformed, slow and silent clients, peers of
// another uid, answers that break the protocol, stale sockets. The program must keep
// serving through all of it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "control_fixture.h"

namespace control_e2e {
namespace {

TEST_F(Control, MalformedTruncatedAndOversizedMessagesNeverHurtTheProcess) {
  std::string path = socket_path();
  EXPECT_TRUE(contains(raw_exchange(path, "hello world, not a frame", true), "exceeds the limit"));
  EXPECT_TRUE(contains(raw_exchange(path, std::string("\x00\x00\x00\x64", 4) + "short", true),
                       "truncated"));
  EXPECT_TRUE(contains(
      raw_exchange(path, std::string("\x00\xa0\x00\x00", 4) + std::string(1000, 'x'), true),
      "exceeds the limit"));
  EXPECT_TRUE(
      contains(raw_exchange(path, std::string("\x00\x00", 2), true), "truncated frame header"));
  EXPECT_TRUE(
      contains(raw_exchange(path, std::string("\x00\x00\x00\x00", 4), true), "empty message"));
  EXPECT_TRUE(contains(raw_exchange(path, frame("{not json"), true), "bad request"));
  EXPECT_TRUE(contains(raw_exchange(path, frame("[1,2,3]"), true), "not a JSON object"));
  EXPECT_TRUE(contains(raw_exchange(path, frame("{\"protocol\": 2, \"op\": \"status\"}"), true),
                       "protocol version"));
  EXPECT_TRUE(contains(raw_exchange(path, frame("{\"protocol\": 1, \"op\": \"explode\"}"), true),
                       "unknown op"));
  EXPECT_TRUE(
      contains(raw_exchange(path, frame("{\"protocol\": 1, \"op\": \"apply\", \"path\": 7}"), true),
               "needs a \\\"path\\\""));
  EXPECT_TRUE(contains(raw_exchange(path, "", true), "no message"));
  std::string binary(300, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 37);
  EXPECT_TRUE(contains(raw_exchange(path, frame(binary), true), "bad request"));
  EXPECT_TRUE(contains(raw_exchange(path, frame("{\"protocol\": 1, \"op\": \"status\"}"), false),
                       "\"chain\""));
  EXPECT_TRUE(program_->alive());
  expect_serving("11");
}

TEST_F(Control, SilentClientTimesOutWhileOthersAreServed) {
  std::string path = socket_path();
  std::thread silent([&] {
    int fd = connect_to(path);
    if (fd >= 0) {
      char c;
      (void)!read(fd, &c, 1);  // the server gives up on us first and answers
      close(fd);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ToolRun r = hotswap("status " + pid_);  // served beside the silent client
  EXPECT_EQ(r.exit_code, 0) << r.out;
  silent.join();
  expect_serving("11");
}

TEST_F(Control, PeerWithAnotherUidIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another uid";
  std::string path = socket_path();
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  if (child == 0) {
    // Another effective uid for the peer credentials, while file access stays root's, so
    // the connection reaches the server and only its SO_PEERCRED check can refuse it.
    if (setresgid(65534, 65534, 0) != 0 || setresuid(0, 65534, 0) != 0) _exit(2);
    setfsuid(0);
    std::string answer = raw_exchange(path, frame("{\"protocol\": 1, \"op\": \"revert\"}"), true);
    (void)!::write(pipefd[1], answer.data(), answer.size());
    _exit(0);
  }
  close(pipefd[1]);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0)
    answer.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(contains(answer, "permission denied")) << answer;
  EXPECT_TRUE(contains(answer, "65534")) << answer;
  expect_serving("11");
}

TEST_F(Control, ControlDirectoryOpenToOthersIsRefused) {
  // A program whose runtime directory is world-writable does not open a socket there.
  std::filesystem::path open_dir = dir_ / "open";
  std::filesystem::create_directories(open_dir / "hotswap");
  std::filesystem::permissions(open_dir / "hotswap", std::filesystem::perms::all);
  setenv("XDG_RUNTIME_DIR", open_dir.c_str(), 1);
  Process p(basic("v1"));
  std::string answer = p.ask("pid");
  EXPECT_TRUE(contains(answer, "open to other users")) << answer;
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
}

// A program at the test's own pid that gives one canned answer to one request.
class FakeProgram {
 public:
  FakeProgram(const std::string& path, std::string answer) : path_(path) {
    listener_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = unix_address(path);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 4) != 0)
      return;
    thread_ = std::thread([this, answer] {
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      (void)!read(fd, buf, sizeof buf);
      if (!answer.empty()) (void)!send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(fd);
    });
  }
  ~FakeProgram() {
    shutdown(listener_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(listener_);
    unlink(path_.c_str());
  }

 private:
  std::string path_;
  int listener_ = -1;
  std::thread thread_;
};

TEST_F(Control, AnAnswerOutsideTheProtocolIsAProtocolErrorNotUnreachable) {
  std::string me = std::to_string(getpid());
  std::string path = (dir_ / "hotswap" / (me + ".sock")).string();
  for (const std::string& answer : {frame("not json"), frame("[1, 2]"), frame("{\"protocol\": 1}"),
                                    frame("{\"protocol\": 7, \"ok\": true}"),
                                    std::string("\x00\x10\x00\x00", 4) + std::string(100, 'x'),
                                    std::string("\x00\x00", 2), std::string()}) {
    FakeProgram fake(path, answer);
    ToolRun r = hotswap("status " + me);
    EXPECT_EQ(r.exit_code, 4) << r.out;
    EXPECT_TRUE(contains(r.out, "protocol error")) << r.out;
    EXPECT_FALSE(contains(r.out, "unreachable")) << r.out;
  }
}

TEST_F(Control, TricklingAndSilentClientsDoNotHoldUpOthers) {
  std::string path = socket_path();
  std::string request = frame("{\"protocol\": 1, \"op\": \"status\"}");
  // One byte a second: each arrives within a per-read timeout, so only a deadline for the
  // whole request cuts this client off.
  std::string trickle_answer;
  double trickle_seconds = 0;
  std::thread trickler([&] {
    auto start = std::chrono::steady_clock::now();
    int fd = connect_to(path);
    if (fd < 0) return;
    pollfd p{fd, POLLIN, 0};
    for (std::size_t i = 0; i < request.size() && poll(&p, 1, 0) == 0; ++i) {
      if (send(fd, &request[i], 1, MSG_NOSIGNAL) != 1) break;
      if (poll(&p, 1, 1000) != 0) break;  // the server answered
    }
    trickle_answer = read_to_end(fd);
    trickle_seconds = seconds_since(start);
    close(fd);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string silent_answer;
  std::thread silent([&] {
    int fd = connect_to(path);
    if (fd < 0) return;
    silent_answer = read_to_end(fd);
    close(fd);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  auto start = std::chrono::steady_clock::now();
  ToolRun r = hotswap("status " + pid_);
  double status_seconds = seconds_since(start);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_LT(status_seconds, 1.0);

  trickler.join();
  silent.join();
  EXPECT_TRUE(contains(trickle_answer, "timed out")) << trickle_answer;
  EXPECT_LT(trickle_seconds, 4.0);
  EXPECT_TRUE(contains(silent_answer, "no message")) << silent_answer;
  expect_serving("11");
}

TEST_F(Control, ClientsBeyondTheCapAreToldBusyAtOnce) {
  std::string path = socket_path();
  std::vector<int> silent;
  for (int i = 0; i < 8; ++i) silent.push_back(connect_to(path));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  ToolRun r = hotswap("status " + pid_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "busy")) << r.out;
  EXPECT_LT(seconds_since(start), 1.0);
  for (int fd : silent) close(fd);  // their connections end; the slots come back
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_serving("11");
}

// A socket file nobody listens on, as a process that died leaves it.
void leave_socket(const std::filesystem::path& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr = unix_address(path.string());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
  close(fd);
}

TEST_F(Control, StaleSocketsAreRemovedByListAndStart) {
  std::filesystem::path directory = dir_ / "hotswap";
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, nullptr, 0);
  std::filesystem::path of_dead_pid = directory / (std::to_string(gone) + ".sock");
  // A live pid whose socket nobody listens on: the pid was reused by another process.
  std::filesystem::path of_reused_pid = directory / (std::to_string(getpid()) + ".sock");
  std::filesystem::path not_a_socket = directory / "notes.txt";
  std::ofstream(not_a_socket) << "kept";

  leave_socket(of_dead_pid);
  leave_socket(of_reused_pid);
  ToolRun r = hotswap("list --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"pid\": " + pid_)) << r.out;
  EXPECT_FALSE(std::filesystem::exists(of_dead_pid));
  EXPECT_FALSE(std::filesystem::exists(of_reused_pid));
  EXPECT_TRUE(std::filesystem::exists(socket_path()));
  EXPECT_TRUE(std::filesystem::exists(not_a_socket));

  leave_socket(of_dead_pid);
  leave_socket(of_reused_pid);
  Process second(basic("v1"));
  std::string second_pid = second.ask("pid");
  EXPECT_FALSE(std::filesystem::exists(of_dead_pid));
  EXPECT_FALSE(std::filesystem::exists(of_reused_pid));
  EXPECT_TRUE(std::filesystem::exists(socket_path()));
  EXPECT_TRUE(std::filesystem::exists(directory / (second_pid + ".sock")));
  expect_serving("11");
}

TEST_F(Control, ASocketBoundButNotYetListeningIsNotTakenForStale) {
  // A starting program binds, then listens, holding the directory's lock in between; a
  // sweep waits for the lock and then finds the socket listening.
  std::filesystem::path directory = dir_ / "hotswap";
  std::filesystem::path path = directory / (std::to_string(getpid()) + ".sock");
  int directory_fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(directory_fd, 0);
  ASSERT_EQ(flock(directory_fd, LOCK_EX), 0);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr = unix_address(path.string());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  ToolRun r;
  std::thread lister([&] { r = hotswap("list --json"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(listen(listener, 4), 0);
  flock(directory_fd, LOCK_UN);
  // Whoever connects (the sweep, then `list` asking who we are) is sent away at once.
  std::atomic<bool> done{false};
  std::thread acceptor([&] {
    pollfd p{listener, POLLIN, 0};
    while (!done)
      if (poll(&p, 1, 50) > 0) close(accept(listener, nullptr, nullptr));
  });
  lister.join();
  done = true;
  acceptor.join();
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(path));
  close(listener);
  close(directory_fd);
}

}  // namespace
}  // namespace control_e2e
