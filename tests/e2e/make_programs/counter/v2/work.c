#include "work.h"

static long requests;
static long large;  /* release 2: a new global, counting the large requests */

/* A function of its own, as a larger helper would be (GCC would inline this one). */
__attribute__((noipa)) static int scaled(int n) { return n * 3; }

int work(int n) {
  ++requests;
  if (n > 100) ++large;
  return scaled(n) + (int)large;
}

long served(void) { return requests; }

void reset(void) { requests = 0; }
