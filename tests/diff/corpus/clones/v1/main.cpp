// GCC splits and clones these at -O2: scale -> scale.constprop.0 (constant argument),
// check -> check.cold (the unlikely path), lookup -> lookup.part.0 (partial inlining),
// total -> total.isra.0 (a struct argument passed by parts).
#include <cstdio>
#include <cstdlib>

__attribute__((noinline)) static int scale(int x, int k) {
  for (int i = 0; i < k; ++i) x = x * 7 + i;
  return x;
}

__attribute__((cold, noinline)) void complain(int x) { std::fprintf(stderr, "negative: %d\n", x); }

__attribute__((noinline)) int check(int x) {
  if (x < 0) {
    complain(x);
    std::fprintf(stderr, "giving up at %d\n", x);
    std::exit(2);
  }
  return x + 1;
}

int table[64];
static int lookup(int key) {
  if (key < 0) return 0;
  int sum = 0;
  for (int i = 0; i < 64; ++i) sum += table[(key + i) & 63] * i;
  std::printf("lookup %d\n", sum);
  return sum;
}

struct Pair { long a, b, c, d; };
__attribute__((noinline)) static long total(const Pair& p) { return p.a * 3 + p.d; }

int main(int argc, char**) {
  Pair p{argc, 2, 3, 4};
  return scale(argc, 3) + scale(argc + 1, 3) + check(argc) + lookup(argc) + lookup(argc * 2) +
         static_cast<int>(total(p));
}
