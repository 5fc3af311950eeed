#pragma once
#include <stdexcept>

struct AppError : std::runtime_error {
  explicit AppError(const char* what) : std::runtime_error(what) {}
  ~AppError() override;  // key function: typeinfo and vtable live in thrower.cpp
  int code = 7;
};

int risky(int x);
void old_thrower();
