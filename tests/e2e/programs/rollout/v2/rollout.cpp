// Rolled out by the Ansible role's test (ansible_test.sh): a build of its own, so that
// `apply --all` reaches no process of another test running beside it.
#include <string>

int compute(int x) { return x * 11; }

std::string handle(const std::string& command) {
  if (command == "compute") return std::to_string(compute(10));
  return "unknown " + command;
}
