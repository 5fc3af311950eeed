#include <hotswap/hotswap.h>

const char* g_names[3] = {"alpha", "beta", "gamma"};
const long g_limits[3] = {10, 20, 30};
long g_counts[3] = {0, 0, 0};

const char* name(unsigned i) { return i < 3 ? g_names[i] : "none"; }
long count(unsigned i) { return i < 3 ? ++g_counts[i] : -1; }
long limit(unsigned i) { return i < 3 ? g_limits[i] : -1; }

struct Tick {
  long n;
  long calls_since_update;
};

long tick() {
  static volatile Tick s_tick{0, 0};
  s_tick.calls_since_update = s_tick.calls_since_update + 1;
  s_tick.n = s_tick.n + 1;
  return s_tick.n * 1000 + s_tick.calls_since_update;
}

long g_after_updates = 0;
long after_updates() { return g_after_updates; }

// Runs once when the patch commits, after the tables moved. It reaches an update point
// and an idle scope, as code the hook calls may: on the applying thread they do nothing.
HOTSWAP_AFTER_UPDATE(count_updates) {
  hotswap::update_point();
  { hotswap::idle_scope idle; }
  g_after_updates += 1 + 10 * g_names[2][0];
}
