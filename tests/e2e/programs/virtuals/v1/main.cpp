#include <string>

#include "shape.h"

static Shape* s_shape = new Shape(3);  // built by the running program, with its vtable

std::string handle(const std::string& command) {
  if (command == "describe") return describe(*s_shape);
  return "unknown " + command;
}
