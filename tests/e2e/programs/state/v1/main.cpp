#include <string>

std::string bump();
std::string peek();

std::string handle(const std::string& command) {
  if (command == "bump") return bump();
  if (command == "peek") return peek();
  return "unknown " + command;
}
