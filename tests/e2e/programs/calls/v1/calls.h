#pragma once

int transform(int x);
int compare_ints(const void* a, const void* b);

struct Shape {
  virtual ~Shape();
  virtual int area() const = 0;
};

struct Square : Shape {
  explicit Square(int s) : side(s) {}
  int area() const override;
  int side;
};
