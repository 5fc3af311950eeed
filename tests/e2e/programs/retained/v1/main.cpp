// State that points into code or constants: after a patch's code stores such pointers and
// the patch is reverted, its memory must stay while they exist, and go once they are gone.
#include <string>

const char* g_label = "label v1";
int (*g_hook)(int) = nullptr;

void set();

std::string handle(const std::string& command) {
  if (command == "set") {
    set();
    return "set";
  }
  if (command == "label") return g_label;
  if (command == "hook") return g_hook ? std::to_string(g_hook(1)) : "none";
  if (command == "clear") {
    g_label = "cleared";
    g_hook = nullptr;
    return "cleared";
  }
  return "unknown " + command;
}
