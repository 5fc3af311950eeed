#include "work.h"

static long requests;
static long large;  /* release 2: a new global, counting the large requests */

int work(int n) {
  ++requests;
  if (n > 100) ++large;
  return n * 3 + (int)large;
}

long served(void) { return requests; }
