#include <cstdio>
#include "shapes.h"
Rect g_rect;
__attribute__((noinline)) long size() { return g_rect.size(); }
int main() { std::printf("%ld\n", size()); }
