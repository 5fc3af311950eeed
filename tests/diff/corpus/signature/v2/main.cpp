#include <cstdio>
__attribute__((noinline)) long area(long w, long h) { return w * h; }
int main(int argc, char**) { std::printf("%ld\n", area(argc, 3)); }
