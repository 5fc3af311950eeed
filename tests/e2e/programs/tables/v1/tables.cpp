const char* g_names[2] = {"alpha", "beta"};
const long g_limits[2] = {10, 20};
int g_counts[2] = {0, 0};

const char* name(unsigned i) { return i < 2 ? g_names[i] : "none"; }
long count(unsigned i) { return i < 2 ? ++g_counts[i] : -1; }
long limit(unsigned i) { return i < 2 ? g_limits[i] : -1; }

struct Tick {
  int n;
};

long tick() {
  // volatile: Clang would otherwise split it into its members (s_tick.0), which diff does
  // not follow (docs/type-updates.md)
  static volatile Tick s_tick{0};
  s_tick.n = s_tick.n + 1;
  return s_tick.n;
}

long g_after_updates = 0;
long after_updates() { return g_after_updates; }
