#include <string>

#include "errors.h"

std::string call_risky(int x) {
  try {
    return std::to_string(risky(x));
  } catch (const std::exception& e) {
    return std::string("caught ") + e.what();
  }
}

std::string catch_old() { return "no catch in v1"; }
