// Plain sockets and fork/exec, so that the tests see exactly the bytes on the wire.
#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace httpd_test {
namespace fs = std::filesystem;

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u ^ seed;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>('a' + x % 26);
  }
  return s;
}

DocRoot::DocRoot() {
  char tmpl[] = "/tmp/httpd-test-XXXXXX";
  base_ = mkdtemp(tmpl);
  root_ = base_ + "/root";
  outside_ = base_ + "/outside";
  fs::create_directories(root_);
  fs::create_directories(outside_);
}

DocRoot::~DocRoot() {
  std::error_code ignored;
  fs::remove_all(base_, ignored);
}

void DocRoot::write(const std::string& relative, const std::string& content) {
  fs::path p = fs::path(root_) / relative;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

void DocRoot::mkdir(const std::string& relative) {
  fs::create_directories(fs::path(root_) / relative);
}

void DocRoot::symlink(const std::string& target, const std::string& relative) {
  fs::create_symlink(target, fs::path(root_) / relative);
}

std::string DocRoot::read(const std::string& relative) const {
  std::ifstream in(fs::path(root_) / relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Server::Server(const std::string& binary, const std::string& root,
               const std::vector<std::string>& extra) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  std::vector<std::string> args = {binary, "--root", root, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  pollfd p = {out[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos && poll(&p, 1, 10000) == 1) {
    char c[256];
    ssize_t n = read(out[0], c, sizeof c);
    if (n <= 0) break;
    line.append(c, static_cast<std::size_t>(n));
  }
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) {
    error_ = "server did not start: '" + line + "'";
    return;
  }
  port_ = std::atoi(line.c_str() + prefix.size());
}

Server::~Server() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool Server::alive() const {
  if (pid_ <= 0 || waitpid(pid_, nullptr, WNOHANG) != 0) return false;
  std::optional<Response> r = fetch(port_, get_request("/-/status"));
  return r && r->status == 200;
}

std::optional<int> Server::stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

Client::Client(int port, int receive_buffer) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (receive_buffer > 0) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

Client::~Client() {
  if (fd_ >= 0) close(fd_);
}

bool Client::send(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t Client::send_some(const std::string& bytes, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p = {fd_, POLLOUT, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) != 1) break;
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void Client::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool Client::fill(int timeout_ms) {
  if (eof_) return false;
  pollfd p = {fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) != 1) return false;
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<Response> Client::read_head_only(int timeout_ms) {
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(timeout_ms)) return std::nullopt;
  }
  std::string head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  Response r;
  std::size_t line_end = head.find("\r\n");
  std::istringstream status_line(head.substr(0, line_end));
  status_line >> r.version >> r.status;
  if (r.version != "HTTP/1.1") return std::nullopt;  // also catches stray body bytes
  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    std::size_t e = head.find("\r\n", pos);
    std::string line = head.substr(pos, e - pos);
    pos = e + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
  }
  if (r.status == 0) return std::nullopt;
  return r;
}

bool Client::read_exact(std::size_t n, std::string* out, int timeout_ms) {
  while (buffer_.size() < n) {
    if (!fill(timeout_ms)) return false;
  }
  out->assign(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

std::optional<Response> Client::read_response(bool head, int timeout_ms) {
  std::optional<Response> r = read_head_only(timeout_ms);
  if (!r) return r;
  if (head || r->status == 304) return r;
  if (!r->has("content-length")) return std::nullopt;  // the server always sends one
  std::size_t length = std::strtoull(r->header("content-length").c_str(), nullptr, 10);
  if (!read_exact(length, &r->body, timeout_ms)) return std::nullopt;
  return r;
}

bool Client::wait_closed(int timeout_ms, std::string* before) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    fill(static_cast<int>(left));
  }
  if (before != nullptr) *before += buffer_;
  buffer_.clear();
  return eof_;
}

std::string Client::read_all(int timeout_ms) {
  std::string all;
  wait_closed(timeout_ms, &all);
  return all;
}

std::optional<Response> fetch(int port, const std::string& request, bool head) {
  Client c(port);
  if (!c.connected() || !c.send(request)) return std::nullopt;
  return c.read_response(head);
}

std::string get_request(const std::string& target, const std::string& extra_headers) {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

}  // namespace httpd_test
