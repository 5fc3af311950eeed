// A class with virtual functions changes layout: the transform file carries its members
// into a new object, which has its own vtable pointer (the old one is never copied).
#include <cstdio>
#include "shape.h"
Shape g_shape;
__attribute__((noinline)) int area() { return g_shape.area(); }
int main() { std::printf("%d\n", area()); }
