#include "errors.h"

extern int g_total;
extern int g_total_step;

// New data whose dynamic initializer reads and writes g_total (of another unit): it must
// see and touch only the patch's private copy, never the running instance.
int g_seen_at_init = (g_total += 1000, g_total);

std::string bump() {
  g_total += g_total_step;
  return "v5 " + std::to_string(g_total) + " init " + std::to_string(g_seen_at_init);
}
