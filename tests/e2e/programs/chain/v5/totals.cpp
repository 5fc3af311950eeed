// State read by code that never changes: it shows whether new code wrote the live instance.
#include "errors.h"

int g_total = 10;
int g_total_step = 5;  // new: the patch brings data, so its initializers run

std::string totals() { return std::to_string(g_total); }
