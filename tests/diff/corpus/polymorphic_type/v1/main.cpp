// A class with virtual functions changes layout: copying its bytes would carry the old
// vtable pointer, so diff refuses.
#include <cstdio>
struct Shape {
  virtual ~Shape() = default;
  virtual int area() const { return w * w; }
  int w = 2;
};
Shape g_shape;
__attribute__((noinline)) int area() { return g_shape.area(); }
int main() { std::printf("%d\n", area()); }
