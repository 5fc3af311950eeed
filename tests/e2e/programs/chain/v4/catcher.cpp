#include "errors.h"

std::string attempt(int x) {
  try {
    return "v3 " + std::to_string(relay(x));
  } catch (const ChainError& e) {
    return std::string("v3 caught ") + e.what() + " " + std::to_string(e.code);
  } catch (const std::exception& e) {
    return std::string("v3 caught std ") + e.what();
  }
}
