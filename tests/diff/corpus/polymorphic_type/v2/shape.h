// The class, in a header the transform file includes.
#pragma once
struct Shape {
  virtual ~Shape() = default;
  virtual int area() const { return w * h; }
  int w = 2;
  int h = 3;
};
