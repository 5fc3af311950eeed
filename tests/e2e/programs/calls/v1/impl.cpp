#include "calls.h"

Shape::~Shape() = default;

int transform(int x) { return x + 1; }

int Square::area() const { return side * side; }

int compare_ints(const void* a, const void* b) {
  int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
  return (x > y) - (x < y);
}
