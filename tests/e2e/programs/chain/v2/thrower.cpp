#include "errors.h"

int parse(int x) {
  if (x < 0) throw ChainError("negative in v2", 2);
  if (x == 0) throw std::runtime_error("zero in v2");
  return x + 2;
}
