#include "tool/subprocess.h"

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace hotswap {

Status run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return make_error("cannot run " + argv[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return make_error("lost " + argv[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
    return make_error("command failed: " + line);
  }
  return Status::success();
}

}  // namespace hotswap
