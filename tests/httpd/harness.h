// Test harness for hotswap-httpd: a generated document root, the server as a child process
// on an ephemeral loopback port, and a raw-socket HTTP client with timeouts (a test fails,
// it never hangs).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace httpd_test {

// A temporary document root with the files the tests ask for, plus a file outside it
// ("secret") for escape attempts. Removed on destruction.
class DocRoot {
 public:
  DocRoot();
  ~DocRoot();
  const std::string& path() const { return root_; }
  const std::string& outside() const { return outside_; }  // a sibling directory
  void write(const std::string& relative, const std::string& content);
  void mkdir(const std::string& relative);
  void symlink(const std::string& target, const std::string& relative);
  std::string read(const std::string& relative) const;

 private:
  std::string base_;
  std::string root_;
  std::string outside_;
};

// Deterministic content of n bytes.
std::string pattern(std::size_t n, unsigned seed = 1);

class Server {
 public:
  // Starts `binary --root root --listen 127.0.0.1:0 extra...` and reads its port from the
  // first line of its stdout. Check ok() / error().
  Server(const std::string& binary, const std::string& root,
         const std::vector<std::string>& extra = {});
  ~Server();  // SIGKILL if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  bool ok() const { return port_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // True if the process runs and answers GET /-/status with 200.
  bool alive() const;
  // Sends `signal` and waits up to `timeout_ms`; the exit status as from waitpid, or
  // nullopt if it did not exit.
  std::optional<int> stop(int signal, int timeout_ms = 15000);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

struct Response {
  int status = 0;
  std::string version;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(int port, int receive_buffer = 0);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool send(const std::string& bytes);
  // Sends as much of `bytes` as the server takes within timeout_ms and returns how much
  // that was; a reset or a server that stops reading ends it early, never a failure.
  std::size_t send_some(const std::string& bytes, int timeout_ms = 5000);
  void shutdown_write();  // a half-close: the server sees EOF after the bytes sent
  // Reads one response; `head` means the request was HEAD (no body follows). nullopt on
  // timeout, close or garbage.
  std::optional<Response> read_response(bool head = false, int timeout_ms = 5000);
  // Reads exactly n body bytes after a head read with read_head_only().
  std::optional<Response> read_head_only(int timeout_ms = 5000);
  bool read_exact(std::size_t n, std::string* out, int timeout_ms = 5000);
  // True if the server closes the connection (EOF or reset) within timeout_ms; bytes that
  // arrive first are appended to *before.
  bool wait_closed(int timeout_ms, std::string* before = nullptr);
  // Everything until EOF (or timeout).
  std::string read_all(int timeout_ms = 5000);

 private:
  bool fill(int timeout_ms);  // reads more into buffer_; false on EOF/timeout/error
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// One request on a fresh connection.
std::optional<Response> fetch(int port, const std::string& request, bool head = false);
std::string get_request(const std::string& target, const std::string& extra_headers = "");

}  // namespace httpd_test
