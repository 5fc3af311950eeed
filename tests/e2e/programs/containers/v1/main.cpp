#include <string>

std::string add_words(const std::string& text);
std::string dump();

std::string handle(const std::string& command) {
  if (command.rfind("add ", 0) == 0) return add_words(command.substr(4));
  if (command == "dump") return dump();
  return "unknown " + command;
}
