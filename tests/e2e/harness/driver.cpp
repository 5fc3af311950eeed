// The driver every end-to-end test program shares, unchanged across its versions: it reads
// one command per line on stdin and answers one line on stdout.
//   apply PATH | revert | version | pid | quit | anything else -> handle(line) of the program
#include <hotswap/hotswap.h>

#include <unistd.h>

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
    } else if (line == "version") {
      std::cout << hotswap::current_version() << std::endl;
    } else {
      std::cout << handle(line) << std::endl;
    }
  }
  return 0;
}
