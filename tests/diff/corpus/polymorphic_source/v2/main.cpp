// A class with virtual functions, declared in the source file, changes layout: the
// transform file could not build its objects (it cannot include the class), so diff refuses.
#include <cstdio>
struct Shape {
  virtual ~Shape() = default;
  virtual int area() const { return w * h; }
  int w = 2;
  int h = 3;
};
Shape g_shape;
__attribute__((noinline)) int area() { return g_shape.area(); }
int main() { std::printf("%d\n", area()); }
