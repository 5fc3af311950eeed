// The standard library's exception classes met for the first time in a patch. Release 1
// reads its variant with std::get_if; release 2 uses std::get and catches
// std::bad_variant_access. Built by Clang against the runtime library built by GCC, the
// running program's copies of that class's functions and vtable are GCC's, without
// patchable entries, and Clang makes the class's trivial destructor an alias of
// std::exception's: the patch binds to the running copies all the same.
#include <string>
#include <variant>

std::variant<int, std::string> g_value = 5;

__attribute__((noinline)) std::string pick(bool text) {
  if (text) {
    const std::string* s = std::get_if<std::string>(&g_value);
    return s ? *s : "no text";
  }
  const int* n = std::get_if<int>(&g_value);
  return n ? std::to_string(*n) : "no number";
}

std::string handle(const std::string& command) {
  if (command == "number") return pick(false);
  if (command == "text") return pick(true);
  if (command.rfind("set ", 0) == 0) {
    g_value = command.substr(4);
    return "set";
  }
  return "unknown command";
}
