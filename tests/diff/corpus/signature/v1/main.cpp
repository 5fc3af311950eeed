#include <cstdio>
__attribute__((noinline)) int area(int w, int h) { return w * h; }
int main(int argc, char**) { std::printf("%d\n", area(argc, 3)); }
