// The driver every end-to-end test program shares, unchanged across its versions: it reads
// one command per line on stdin and answers one line on stdout.
//   apply PATH | revert | version | pid | fork-exit | quit | anything else -> handle(line)
#include <hotswap/hotswap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

std::string handle(const std::string& command);

int main() {
  hotswap::Result started = hotswap::start();
  if (!started) {
    std::cout << "error " << started.message << std::endl;
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line.rfind("apply ", 0) == 0) {
      hotswap::Result r = hotswap::apply(line.substr(6));
      std::cout << (r ? "ok " : "refused ") << r.message << std::endl;
    } else if (line == "revert") {
      hotswap::Result r = hotswap::revert();
      std::cout << (r ? "ok " : "refused ") << r.message << std::endl;
    } else if (line == "pid") {
      std::cout << getpid() << std::endl;
    } else if (line == "fork-exit") {
      // A child that leaves by exit(): it runs the atexit handlers it inherited.
      pid_t child = fork();
      if (child == 0) std::exit(0);
      int status = 0;
      waitpid(child, &status, 0);
      std::cout << "child exited " << WEXITSTATUS(status) << std::endl;
    } else if (line == "version") {
      std::cout << hotswap::current_version() << std::endl;
    } else {
      std::cout << handle(line) << std::endl;
    }
  }
  return 0;
}
