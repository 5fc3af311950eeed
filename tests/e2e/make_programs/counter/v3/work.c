#include "work.h"

static long requests;
static long large;  /* release 2: a new global, counting the large requests */

/* release 3: a static helper gains a parameter; only work() calls it */
__attribute__((noipa)) static int scaled(int n, int factor) { return n * factor; }

int work(int n, int scale) {
  ++requests;
  if (n > 100) ++large;
  return scaled(n, scale ? scale : 3) + (int)large;
}

long served(void) { return requests; }

long reset(void) {
  long forgotten = requests;
  requests = 0;
  return forgotten;
}
