#include <string>

int read_value();
int grow(int x);

std::string handle(const std::string& command) {
  if (command == "values") return std::to_string(read_value()) + " " + std::to_string(grow(2));
  return "unknown " + command;
}
