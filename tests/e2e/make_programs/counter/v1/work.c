#include "work.h"

static long requests;

int work(int n) {
  ++requests;
  return n * 2;
}

long served(void) { return requests; }

void reset(void) { requests = 0; }
