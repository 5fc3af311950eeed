#include "greeting.h"

namespace greeter {
std::string greet(const std::string& name) { return "hello " + name; }
}  // namespace greeter
