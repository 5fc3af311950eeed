#include "control_fixture.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace control_e2e {
namespace {

std::string out_dir() {
  const char* env = std::getenv("HOTSWAP_E2E_OUT");
  return env ? env : E2E_OUT;
}
std::string tool() {
  const char* env = std::getenv("HOTSWAP_TOOL");
  return env ? env : HOTSWAP_TOOL;
}

}  // namespace

std::string basic(const std::string& file) { return out_dir() + "/basic/" + file; }

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

void Control::SetUp() {
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

void Control::TearDown() {
  program_.reset();
  std::filesystem::remove_all(dir_);
}

std::string Control::socket_path() const { return (dir_ / "hotswap" / (pid_ + ".sock")).string(); }

void Control::expect_serving(const std::string& compute) {
  EXPECT_EQ(program_->ask("compute"), compute);
  EXPECT_EQ(hotswap("status " + pid_).exit_code, 0);
}

std::string Control::write(const std::string& name, const std::string& bytes) {
  std::string path = (dir_ / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace control_e2e
