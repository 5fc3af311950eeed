// Retyped data the generator cannot convert (arrays that grew): a table never written
// takes the new release's initial value, with no transformer to write; one that was
// written is refused by the generated default until someone writes the conversion.
#include <string>

const char* name(unsigned i);
long count(unsigned i);
long limit(unsigned i);
long tick();
long after_updates();

std::string handle(const std::string& command) {
  if (command.rfind("name ", 0) == 0) return name(static_cast<unsigned>(std::stoul(command.substr(5))));
  if (command.rfind("count ", 0) == 0) return std::to_string(count(static_cast<unsigned>(std::stoul(command.substr(6)))));
  if (command.rfind("limit ", 0) == 0) return std::to_string(limit(static_cast<unsigned>(std::stoul(command.substr(6)))));
  if (command == "tick") return std::to_string(tick());
  if (command == "after-updates") return std::to_string(after_updates());
  return "unknown " + command;
}
