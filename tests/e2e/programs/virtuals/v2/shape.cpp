#include "shape.h"

Shape::~Shape() = default;
int Shape::area() const { return side * side; }
int Shape::perimeter() const { return 4 * side; }

std::string describe(const Shape& s) {
  return "area " + std::to_string(s.area()) + " perimeter " + std::to_string(s.perimeter());
}
