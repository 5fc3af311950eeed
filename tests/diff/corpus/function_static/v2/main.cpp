#include <cstdio>
__attribute__((noinline)) int counters() {
  int r = 0;
  { static int n = 5; r += n--; }  // a new static takes the name; the old one becomes n_0
  { static int n = 2; r += ++n; }
  return r;
}
int main() { std::printf("%d\n", counters()); }
