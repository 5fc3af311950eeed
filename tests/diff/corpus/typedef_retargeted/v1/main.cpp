#include <cstdio>

#include "counter.h"
struct Stats {
  counter_t hits;
  int other;
};
counter_t g_count = 5;
Stats g_stats;
__attribute__((noinline)) long touch(int n) {
  g_stats.hits += n;
  return g_count += n;
}
int main() { std::printf("%ld\n", touch(3)); }
