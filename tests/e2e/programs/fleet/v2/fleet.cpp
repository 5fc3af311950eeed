// Run fifty at once by the fleet tests (trust_test.cc): a build of its own, so that
// `apply --all` reaches no process of another test running beside them.
#include <string>

int compute(int x) { return x * 11; }

std::string handle(const std::string& command) {
  if (command == "compute") return std::to_string(compute(10));
  return "unknown " + command;
}
