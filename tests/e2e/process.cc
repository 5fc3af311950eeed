#include "process.h"

#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

Process::Process(const std::string& path) : Process(path, static_cast<uid_t>(-1)) {}

Process::Process(const std::string& path, uid_t uid) {
  signal(SIGPIPE, SIG_IGN);  // a program that died answers "<eof>", it does not kill the test
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    if (uid != static_cast<uid_t>(-1) &&
        (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0))
      _exit(126);
    execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
}

Process::~Process() {
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Process::ask(const std::string& command) {
  std::string line = command + "\n";
  // A program that already exited still has its last words in the pipe: read them even
  // when it could not take the command.
  (void)!write(to_child_, line.data(), line.size());
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string answer = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return answer;
    }
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, 20000) <= 0) return "<timeout>";
    char chunk[4096];
    ssize_t n = read(from_child_, chunk, sizeof chunk);
    if (n <= 0) return "<eof>";
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

int Process::quit() {
  std::string line = "quit\n";
  (void)!write(to_child_, line.data(), line.size());
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Process::alive() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
