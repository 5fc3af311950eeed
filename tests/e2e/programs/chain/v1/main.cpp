#include <string>

#include "errors.h"

std::string handle(const std::string& command) {
  if (command.rfind("attempt ", 0) == 0) return attempt(std::stoi(command.substr(8))) + " depth " + std::to_string(depth());
  if (command == "totals") return totals();
  if (command == "bump") return bump();
  return "unknown " + command;
}
