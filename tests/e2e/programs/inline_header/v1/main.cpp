#include <string>

int scale_a(int x);
int scale_b(int x);

std::string handle(const std::string& command) {
  if (command == "a") return std::to_string(scale_a(5));
  if (command == "b") return std::to_string(scale_b(5));
  return "unknown " + command;
}
