#include <string>

std::string feature(const std::string& arg);
const char* greeting();
int classify(int x, int y);

std::string handle(const std::string& command) {
  if (command.rfind("feature ", 0) == 0) return feature(command.substr(8));
  if (command == "greeting") return greeting();
  if (command == "classify") {
    std::string out;
    for (int x = 0; x < 9; ++x) out += std::to_string(classify(x, 100)) + ",";
    return out;
  }
  return "unknown " + command;
}
