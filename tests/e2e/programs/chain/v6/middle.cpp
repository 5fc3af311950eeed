// A frame between the thrower and the catcher, with a destructor the unwinder must run.
#include "errors.h"

namespace {
int g_depth = 0;
struct Guard {
  Guard() { ++g_depth; }
  ~Guard() { --g_depth; }
};
}  // namespace

int relay(int x) {
  Guard guard;
  return parse(x) * 100;
}

int depth() { return g_depth; }
