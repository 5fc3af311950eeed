#include "errors.h"

int parse(int x) {
  if (x < 0) throw ChainError("negative in v4", 4);
  if (x == 0) throw std::runtime_error("zero in v4");
  return x + 4;
}
