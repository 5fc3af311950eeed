#include <string>

std::string set_hooks(const std::string& what);
std::string describe_hooks();

std::string handle(const std::string& command) {
  if (command.rfind("set ", 0) == 0) return set_hooks(command.substr(4));
  if (command == "describe") return describe_hooks();
  return "unknown " + command;
}
