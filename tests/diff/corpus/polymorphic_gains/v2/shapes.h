// A class that gains its first virtual function: its old objects have no vtable pointer to
// give the new ones, so diff refuses.
#pragma once
struct Shape {
  virtual ~Shape() = default;
  int w = 2;
  int h = 3;
  virtual int area() const { return w * h; }
};
