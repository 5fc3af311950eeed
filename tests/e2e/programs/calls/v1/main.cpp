#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "calls.h"

static int (*stored_pointer)(int) = nullptr;
static std::function<int(int)> stored_function;
static std::unique_ptr<Shape> stored_shape;

std::string handle(const std::string& command) {
  if (command == "store") {
    stored_pointer = &transform;
    stored_function = transform;
    stored_shape = std::make_unique<Square>(4);
    return "stored";
  }
  if (command == "direct") return std::to_string(transform(1));
  if (command == "pointer") return std::to_string(stored_pointer(1));
  if (command == "function") return std::to_string(stored_function(1));
  if (command == "virtual") return std::to_string(stored_shape->area());
  if (command == "qsort") {
    int values[] = {3, 1, 2};
    std::qsort(values, 3, sizeof(int), compare_ints);
    return std::to_string(values[0]) + std::to_string(values[1]) + std::to_string(values[2]);
  }
  return "unknown " + command;
}
