// State read by code that never changes: it shows whether new code wrote the live instance.
#include "errors.h"

int g_total = 10;

std::string totals() { return std::to_string(g_total); }
