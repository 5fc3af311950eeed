#include "calls.h"

Shape::~Shape() = default;

int transform(int x) { return x + 100; }

int Square::area() const { return side * side * 10; }

int compare_ints(const void* a, const void* b) {
  int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
  return (x < y) - (x > y);
}
