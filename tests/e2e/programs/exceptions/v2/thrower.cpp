#include "errors.h"

AppError::~AppError() = default;

void old_thrower() { throw AppError("from old code"); }

int risky(int x) {
  if (x > 0) throw AppError("thrown by new code");
  return x * 2;
}
