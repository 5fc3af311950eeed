#include <string>

int api1(int x);
int api2(int x);

std::string handle(const std::string& command) {
  if (command == "api") return std::to_string(api1(1)) + " " + std::to_string(api2(1));
  return "unknown " + command;
}
