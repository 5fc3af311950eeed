// The control plane from the shell: the `hotswap` tool against running programs, and raw
// bytes against the control socket. The program must keep serving through all of it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "process.h"

namespace {

std::string out_dir() {
  const char* env = std::getenv("HOTSWAP_E2E_OUT");
  return env ? env : E2E_OUT;
}
std::string tool() {
  const char* env = std::getenv("HOTSWAP_TOOL");
  return env ? env : HOTSWAP_TOOL;
}
std::string basic(const std::string& file) { return out_dir() + "/basic/" + file; }

struct ToolRun {
  int exit_code;
  std::string out;
};

// Runs the tool with the given arguments; stdout and stderr together.
ToolRun hotswap(const std::string& args) {
  std::string cmd = tool() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

int count(const std::string& s, const std::string& part) {
  int n = 0;
  for (std::size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + part.size()))
    ++n;
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class Control : public ::testing::Test {
 protected:
  void SetUp() override {
    // A private runtime directory: the sockets of this test's programs only.
    dir_ = std::filesystem::temp_directory_path() /
           ("hotswap-control-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
    setenv("HOTSWAP_JOURNAL", (dir_ / "journal.jsonl").c_str(), 1);
    program_ = std::make_unique<Process>(basic("v1"));
    unsetenv("HOTSWAP_JOURNAL");
    pid_ = program_->ask("pid");
  }
  void TearDown() override {
    program_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string socket_path() const { return (dir_ / "hotswap" / (pid_ + ".sock")).string(); }
  void expect_serving(const std::string& compute) {
    EXPECT_EQ(program_->ask("compute"), compute);
    EXPECT_EQ(hotswap("status " + pid_).exit_code, 0);
  }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Process> program_;
  std::string pid_;
};

TEST_F(Control, ApplyStatusRevertLogFromTheShell) {
  ToolRun r = hotswap("apply " + pid_ + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "applied")) << r.out;
  EXPECT_EQ(program_->ask("compute"), "110");

  r = hotswap("status " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"chain\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "v1-v2.hsp")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"pause_ns\"")) << r.out;

  r = hotswap("status " + pid_);
  EXPECT_TRUE(contains(r.out, "pause")) << r.out;

  r = hotswap("revert " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(program_->ask("compute"), "11");
  r = hotswap("revert " + pid_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "nothing to revert")) << r.out;

  r = hotswap("log " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"apply\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"revert\"")) << r.out;

  // The journal file has one JSON line per commit, revert and refusal.
  std::ifstream journal(dir_ / "journal.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(journal, line)) {
    ++lines;
    EXPECT_TRUE(contains(line, "\"action\"")) << line;
  }
  EXPECT_EQ(lines, 3);
}

TEST_F(Control, NoWaitReturnsOnceStagedThenCommits) {
  ToolRun r = hotswap("apply --no-wait " + pid_ + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "staged")) << r.out;
  std::string answer;
  for (int i = 0; i < 100 && (answer = program_->ask("compute")) != "110"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(answer, "110");
}

TEST_F(Control, ListShowsThisUsersProcesses) {
  ToolRun r = hotswap("list --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"pid\": " + pid_)) << r.out;
}

TEST_F(Control, ExitCodesForUsageAndUnreachable) {
  EXPECT_EQ(hotswap("apply").exit_code, 2);
  EXPECT_EQ(hotswap("frobnicate 1").exit_code, 2);
  ToolRun r = hotswap("status 999999999");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(contains(r.out, "unreachable")) << r.out;
}

TEST_F(Control, BadPatchesAreRefusedWithTheirCause) {
  ToolRun r = hotswap("apply " + pid_ + " " + write("text.hsp", "not a patch"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "not a patch")) << r.out;

  std::ifstream in(basic("v1-v2.hsp"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  r = hotswap("apply " + pid_ + " " + write("cut.hsp", bytes.substr(0, bytes.size() / 3)));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "refused")) << r.out;

  std::string json = write("bad.json", "{\"format\": 1}");
  std::string bad = (dir_ / "bad.hsp").string();
  ASSERT_EQ(std::system(("objcopy --update-section .hotswap.manifest=" + json + " " +
                         basic("v1-v2.hsp") + " " + bad)
                            .c_str()),
            0);
  r = hotswap("apply " + pid_ + " " + bad);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "manifest")) << r.out;

  r = hotswap("apply " + pid_ + " " + basic("v2-v3.hsp"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "is for version")) << r.out;
  expect_serving("11");
  r = hotswap("log " + pid_);
  EXPECT_TRUE(contains(r.out, "refused")) << r.out;
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return addr;
}

// A connected socket, or -1.
int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr = unix_address(path);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string read_to_end(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// Connects to the program's socket, sends raw bytes, and returns what comes back.
std::string raw_exchange(const std::string& path, const std::string& bytes, bool close_write) {
  int fd = connect_to(path);
  if (fd < 0) return "<connect failed>";
  // MSG_NOSIGNAL: the server may refuse and close before reading (a refused peer).
  if (!bytes.empty()) (void)!send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (close_write) shutdown(fd, SHUT_WR);
  std::string out = read_to_end(fd);
  close(fd);
  return out;
}

std::string frame(const std::string& payload) {
  std::uint32_t n = static_cast<std::uint32_t>(payload.size());
  std::string header = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                        static_cast<char>(n >> 8), static_cast<char>(n)};
  return header + payload;
}

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

// The frame length a raw answer announces.
std::uint32_t announced_length(const std::string& answer) {
  if (answer.size() < 4) return 0;
  auto byte = [&](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(answer[i]));
  };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

TEST_F(Control, LogAndStatusAnswerWhenTheJournalOutgrowsAFrame) {
  // Refusals that each name a 3000-byte path: the journal holds several frames' worth.
  std::string missing = "/nonexistent";
  while (missing.size() < 3000) missing += "/" + std::string(100, 'd');
  const int kRefusals = 40;
  for (int i = 0; i < kRefusals; ++i)
    ASSERT_TRUE(
        contains(program_->ask("apply " + missing + "/" + std::to_string(i) + ".hsp"), "refused"));

  ToolRun r = hotswap("log " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  EXPECT_EQ(count(r.out, ".hsp: no such patch file"), kRefusals);
  EXPECT_TRUE(contains(r.out, "/39.hsp")) << r.out.substr(0, 300);
  r = hotswap("log " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  EXPECT_EQ(count(r.out, "\"action\""), kRefusals);
  r = hotswap("log " + pid_ + " --last 3");
  EXPECT_EQ(count(r.out, ".hsp: no such patch file"), 3) << r.out.substr(0, 300);
  EXPECT_TRUE(contains(r.out, "/39.hsp")) << r.out.substr(0, 300);
  EXPECT_FALSE(contains(r.out, "/36.hsp")) << r.out.substr(0, 300);

  // One answer carries the newest entries that fit in a frame and says that older ones exist.
  std::string answer =
      raw_exchange(socket_path(), frame("{\"protocol\": 1, \"op\": \"log\"}"), true);
  ASSERT_GE(answer.size(), 4u);
  EXPECT_EQ(announced_length(answer), answer.size() - 4);
  EXPECT_LE(answer.size() - 4, 65536u);
  EXPECT_TRUE(contains(answer, "\"more\":true")) << answer.substr(0, 300);
  EXPECT_TRUE(contains(answer, "/39.hsp")) << answer.substr(0, 300);
  answer =
      raw_exchange(socket_path(),
                   frame("{\"protocol\": 1, \"op\": \"log\", \"limit\": 2, \"before\": 30}"), true);
  EXPECT_EQ(count(answer, "\"action\""), 2) << answer.substr(0, 300);
  // Sequence numbers count from 1: seq 28 and 29 are refusals 27 and 28.
  EXPECT_TRUE(contains(answer, "/27.hsp")) << answer.substr(0, 300);
  EXPECT_TRUE(contains(answer, "/28.hsp")) << answer.substr(0, 300);
  EXPECT_FALSE(contains(answer, "/29.hsp")) << answer.substr(0, 300);

  r = hotswap("status " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  expect_serving("11");
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

TEST_F(Control, AForkedChildThatExitsLeavesTheSocketInPlace) {
  EXPECT_EQ(program_->ask("fork-exit"), "child exited 0");
  EXPECT_TRUE(std::filesystem::exists(socket_path()));
  expect_serving("11");
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

TEST_F(Control, ANoWaitApplyCommitsBeforeTheNextChangeIsStaged) {
  // The second patch is for the version the first one makes: staged before that commit, it
  // would be refused.
  for (int round = 0; round < 5; ++round) {
    ToolRun r = hotswap("apply --no-wait " + pid_ + " " + basic("v1-v2.hsp"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = hotswap("apply " + pid_ + " " + basic("v2-v3.hsp"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(hotswap("revert " + pid_).exit_code, 0);
    EXPECT_EQ(hotswap("revert " + pid_).exit_code, 0);
  }
  expect_serving("11");
}

TEST_F(Control, RootReachesAnotherUsersProcess) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a program as another user";
  // The other user's runtime directory: not where root's own tool looks.
  const uid_t kNobody = 65534;
  std::filesystem::path other = std::filesystem::temp_directory_path() /
                                ("hotswap-control-other-" + std::to_string(getpid()));
  std::filesystem::create_directories(other);
  ASSERT_EQ(chown(other.c_str(), kNobody, kNobody), 0);
  std::filesystem::permissions(other, std::filesystem::perms::owner_all);
  setenv("XDG_RUNTIME_DIR", other.c_str(), 1);
  auto program = std::make_unique<Process>(basic("v1"), kNobody);
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  std::string pid = program->ask("pid");
  if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) {
    std::filesystem::remove_all(other);
    GTEST_SKIP() << "the test program cannot run as uid " << kNobody << ": " << pid;
  }

  ToolRun r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "pid " + pid)) << r.out;
  r = hotswap("apply " + pid + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(program->ask("compute"), "110");
  r = hotswap("revert " + pid);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = hotswap("log " + pid);
  EXPECT_EQ(count(r.out, "  ok  "), 2) << r.out;

  // Root follows the user's directory only while it is the user's own and closed to others.
  std::filesystem::permissions(other / "hotswap", std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_read |
                                                      std::filesystem::perms::group_exec);
  r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(contains(r.out, "open to other users")) << r.out;
  std::filesystem::permissions(other / "hotswap", std::filesystem::perms::owner_all);
  EXPECT_EQ(hotswap("status " + pid).exit_code, 0);

  program.reset();
  std::filesystem::remove_all(other);
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
