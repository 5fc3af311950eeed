// A program that gives hotswap::start() its own trust policy (trust_test.cc): it starts the
// runtime only when told, so a test can apply before starting, or start twice.
//   start | start-keys FILE (the first line of FILE, a public key) | apply PATH | version | pid | compute | quit
#include <hotswap/hotswap.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>

int compute(int x);  // compute.cpp: what the patch changes

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line == "pid") {
      std::cout << getpid() << std::endl;
    } else if (line == "version") {
      std::cout << hotswap::current_version() << std::endl;
    } else if (line == "compute") {
      volatile int ten = 10;  // a call, not a constant folded into main
      std::cout << compute(ten) << std::endl;
    } else if (line == "start" || line.rfind("start-keys ", 0) == 0) {
      hotswap::StartOptions options;
      if (line != "start") {
        std::ifstream keys(line.substr(11));
        std::string key;
        std::getline(keys, key);
        options.trusted_keys = {key};
      }
      hotswap::Result r = hotswap::start(options);
      std::cout << (r ? "ok " : "error ") << r.message << std::endl;
    } else if (line.rfind("apply ", 0) == 0) {
      hotswap::Result r = hotswap::apply(line.substr(6));
      std::cout << (r ? "ok " : "refused ") << r.message << std::endl;
    } else {
      std::cout << "unknown " << line << std::endl;
    }
  }
  return 0;
}
