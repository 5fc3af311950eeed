#include <cstdio>
#include "shapes.h"
Shape g_shape;
__attribute__((noinline)) int area() { return g_shape.area(); }
int main() { std::printf("%d\n", area()); }
