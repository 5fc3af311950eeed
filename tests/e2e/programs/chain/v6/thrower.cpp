#include "errors.h"

int parse(int x) {
  if (x < 0) throw ChainError("negative in v6", 6);
  if (x == 0) throw std::runtime_error("zero in v6");
  return x + 6;
}
