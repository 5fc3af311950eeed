// A class that gains its first virtual function: its old objects have no vtable pointer to
// give the new ones, so diff refuses.
#pragma once
struct Shape {
  int w = 2;
  int h = 3;
  int area() const { return w * h; }
};
