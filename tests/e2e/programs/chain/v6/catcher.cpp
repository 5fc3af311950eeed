#include "errors.h"

std::string attempt(int x) {
  try {
    return "v6 " + std::to_string(relay(x));
  } catch (const ChainError& e) {
    return std::string("v6 caught ") + e.what() + " " + std::to_string(e.code);
  } catch (const std::exception& e) {
    return std::string("v6 caught std ") + e.what();
  }
}
