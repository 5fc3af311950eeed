#include <string>
int get();
std::string handle(const std::string& command) {
  if (command == "get") return std::to_string(get());
  return "unknown " + command;
}
