#include <string>

static int s_file_static = 0;
int g_global = 0;
thread_local int t_local = 0;

namespace {
struct Tally {
  Tally() : base(7) {}
  int base;
  int n = 0;
};
}  // namespace

static Tally& tally() {
  static Tally t;  // constructed once, behind a guard variable
  return t;
}

// Callers must reach step through its entry, not through an inlined or propagated copy.
#if defined(__clang__)
#define NOT_INTERPROCEDURAL __attribute__((noinline, optnone))
#else
#define NOT_INTERPROCEDURAL __attribute__((noipa))
#endif

NOT_INTERPROCEDURAL static int step() { return 10; }

std::string bump() {
  int s = step();
  s_file_static += s;
  g_global += s;
  t_local += s;
  tally().n += s;
  return "v2 " + std::to_string(s_file_static) + " " + std::to_string(g_global) + " " + std::to_string(t_local) + " " +
         std::to_string(tally().base + tally().n);
}

std::string peek() {
  return std::to_string(s_file_static) + " " + std::to_string(g_global) + " " + std::to_string(t_local) + " " +
         std::to_string(tally().base + tally().n);
}
