#include "errors.h"

extern int g_total;

std::string bump() {
  g_total += 1;
  return "v1 " + std::to_string(g_total);
}
