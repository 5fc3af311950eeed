#include <string>

#include "errors.h"

std::string call_risky(int x) {
  try {
    return std::to_string(risky(x));
  } catch (const std::exception& e) {
    return std::string("caught ") + e.what();
  }
}

std::string catch_old() {
  try {
    old_thrower();
    return "nothing thrown";
  } catch (const AppError& e) {
    return std::string("caught AppError ") + e.what() + " " + std::to_string(e.code);
  }
}
