#include <string>

std::string call_risky(int x);
std::string catch_old();

std::string handle(const std::string& command) {
  if (command == "risky") return call_risky(5);
  if (command == "catch_old") return catch_old();
  return "unknown " + command;
}
