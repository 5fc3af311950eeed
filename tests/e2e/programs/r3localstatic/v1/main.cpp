// From a third review: a reverted patch whose function-local static registered its
// destructor must not be reused with that static reset (the destructor would run twice).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

int work();

std::string handle(const std::string& command) {
  if (command == "get") return std::to_string(work());
  if (command == "exit-check") {  // a child that exits normally runs every destructor
    pid_t child = fork();
    if (child == 0) std::exit(0);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "unknown " + command;
}
