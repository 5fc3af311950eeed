// A program with its own main (no shared driver): GCC places main in .text.startup.main,
// beside the static initializers, and every release here changes main.
#include <hotswap/hotswap.h>
#include <unistd.h>

#include <iostream>
#include <string>

std::string g_greeting = "hello";  // dynamically initialized: the unit has an initializer
std::string g_added = "added in v3";  // new data: the patch runs its initializers

HOTSWAP_LOOP_BODY static std::string serve(const std::string& line) {
  if (line.rfind("apply ", 0) == 0) {
    hotswap::Result r = hotswap::apply(line.substr(6));
    return (r ? "ok " : "refused ") + r.message;
  }
  if (line == "revert") {
    hotswap::Result r = hotswap::revert();
    return (r ? "ok " : "refused ") + r.message;
  }
  if (line == "version") return hotswap::current_version();
  if (line.rfind("rename ", 0) == 0) {
    g_greeting = line.substr(7);
    return "renamed";
  }
  if (line == "greet") return g_greeting + " v3 " + g_added;
  return "unknown " + line;
}

int main() {
  if (!hotswap::start()) return 1;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line == "main3") continue;  // main changes in every release
    std::cout << serve(line) << std::endl;
  }
  return 0;
}
