#include <string>
int bump();
int count();
std::string handle(const std::string& command) {
  if (command == "bump") return std::to_string(bump());
  if (command == "count") return std::to_string(count());
  return "unknown " + command;
}
