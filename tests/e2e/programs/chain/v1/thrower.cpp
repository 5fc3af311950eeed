#include "errors.h"

int parse(int x) {
  if (x < 0) throw ChainError("negative in v1", 1);
  if (x == 0) throw std::runtime_error("zero in v1");
  return x + 1;
}
