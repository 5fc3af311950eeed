#include "errors.h"

AppError::~AppError() = default;

void old_thrower() { throw AppError("from old code"); }

int risky(int x) { return x * 2; }
