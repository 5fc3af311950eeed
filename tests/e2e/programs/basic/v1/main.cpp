#include <string>

static int counter = 0;

int compute(int x) { return x + 1; }

std::string handle(const std::string& command) {
  if (command == "compute") return std::to_string(compute(10));
  if (command == "count") return std::to_string(++counter);
  return "unknown " + command;
}
