#include <string>

std::size_t prefix_length();

std::string handle(const std::string& command) {
  if (command == "length") return std::to_string(prefix_length());
  return "unknown " + command;
}
