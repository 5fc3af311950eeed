// Answers one command per line: apply PATH | revert | greet NAME | quit.
#include <hotswap/hotswap.h>

#include <iostream>
#include <string>

#include "greeting.h"

int main() {
  if (!hotswap::start()) return 1;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line.rfind("apply ", 0) == 0) {
      hotswap::Result r = hotswap::apply(line.substr(6));
      std::cout << (r ? "ok " : "refused ") << r.message << std::endl;
    } else if (line == "revert") {
      hotswap::Result r = hotswap::revert();
      std::cout << (r ? "ok " : "refused ") << r.message << std::endl;
    } else if (line.rfind("greet ", 0) == 0) {
      std::cout << greeter::greet(line.substr(6)) << std::endl;
    } else {
      std::cout << "unknown " << line << std::endl;
    }
  }
  return 0;
}
