#include <cstdio>
#include "shapes.h"
Circle g_circle;
__attribute__((noinline)) long radius() { return g_circle.r; }
int main() { std::printf("%ld %s\n", radius(), g_circle.name().c_str()); }
