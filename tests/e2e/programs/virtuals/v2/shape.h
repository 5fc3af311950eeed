#pragma once
#include <string>

struct Shape {
  explicit Shape(int side) : side(side) {}
  virtual ~Shape();  // key function: the vtable lives in shape.cpp
  virtual int area() const;
  virtual int perimeter() const;  // new virtual function: the vtable grows
  int side;
};

std::string describe(const Shape& s);
