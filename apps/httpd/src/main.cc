// hotswap-httpd: a static-file HTTP/1.1 server that can be updated while it serves.
// main() sets up what the workers share, starts one worker per --threads, and waits.
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "listen_socket.h"
#include "live_update.h"
#include "options.h"
#include "server.h"

namespace {

int g_stop_fd = -1;

void on_stop_signal(int) {
  std::uint64_t one = 1;
  ssize_t ignored = write(g_stop_fd, &one, sizeof one);  // async-signal-safe
  (void)ignored;
}

// As many descriptors as allowed: every connection and every large cached file holds one.
void raise_descriptor_limit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int fail(const std::string& message) {
  std::fprintf(stderr, "hotswap-httpd: %s\n", message.c_str());
  return 1;
}

// Everything before serving: the options into g_options, the descriptors, the signal
// handlers, the runtime, the workers. Returns the exit code to end with, or -1 with
// `threads` serving.
[[gnu::noinline]] int start_server(int argc, char** argv, std::vector<std::thread>* threads) {
  using namespace httpd;
  bool help = false;
  Expected<Options> parsed = parse_options(argc, argv, &help);
  if (!parsed) {
    if (help) {
      std::fputs(parsed.error().message.c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "hotswap-httpd: %s\n", parsed.error().message.c_str());
    return 2;
  }
  g_options = *parsed;

  signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();

  g_server.root_fd = open(g_options.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_server.root_fd < 0) return fail("--root " + g_options.root + ": " + std::strerror(errno));
  if (!g_options.access_log.empty()) {
    g_server.access_log_fd =
        open(g_options.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g_server.access_log_fd < 0) {
      return fail("--access-log " + g_options.access_log + ": " + std::strerror(errno));
    }
  }

  Expected<ListenAddress> address = parse_listen_address(g_options.listen);
  if (!address) return fail(address.error().message);
  std::vector<int> listen_fds;
  for (int i = 0; i < g_options.threads; ++i) {
    Expected<int> fd = open_listen_socket(*address);
    if (!fd) return fail(fd.error().message + " (" + g_options.listen + ")");
    listen_fds.push_back(*fd);
    if (i == 0) {  // port 0: the other workers join the port the kernel chose
      address->length = sizeof address->address;
      getsockname(*fd, reinterpret_cast<sockaddr*>(&address->address), &address->length);
    }
  }

  g_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_stop_fd < 0) return fail(std::string("eventfd: ") + std::strerror(errno));
  g_server.stop_fd = g_stop_fd;
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  std::string live_error = live::start();
  if (!live_error.empty()) {
    std::fprintf(stderr, "hotswap-httpd: live updates unavailable: %s\n", live_error.c_str());
  }

  std::string bound = bound_address(listen_fds[0]);
  Expected<std::vector<std::thread>> started = start_workers(listen_fds);
  if (!started) return fail(started.error().message);
  *threads = std::move(*started);
  std::printf("listening on %s\n", bound.c_str());
  std::fflush(stdout);
  return -1;
}

}  // namespace

// main() stays out of the server's state: start_server() fills the globals (server.h) and
// starts the workers, and main only waits for them, so it never runs code that a release
// changing the state's types replaces.
int main(int argc, char** argv) {
  std::vector<std::thread> threads;
  if (int code = start_server(argc, argv, &threads); code >= 0) return code;
  for (std::thread& t : threads) t.join();
  return 0;
}
