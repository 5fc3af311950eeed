#include <string>

std::string touch();

std::string handle(const std::string& command) {
  if (command == "touch") return touch();
  return "unknown " + command;
}
