#include <string>

int dot(int x);
int once_value();
int bump_static();
std::string probe();

std::string handle(const std::string& command) {
  if (command == "once") return std::to_string(once_value());
  if (command == "bump") return std::to_string(bump_static());
  if (command == "probe") return probe();
  if (command == "dot") return std::to_string(dot(5));
  return "unknown " + command;
}
