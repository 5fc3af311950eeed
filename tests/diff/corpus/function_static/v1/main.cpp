#include <cstdio>
__attribute__((noinline)) int counters() {
  int r = 0;
  { static int n = 2; r += ++n; }
  return r;
}
int main() { std::printf("%d\n", counters()); }
