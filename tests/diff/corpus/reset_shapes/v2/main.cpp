#include <cstdio>

#include "app.h"
long g_total = 0;
app::Derived g_derived;
app::Holder g_holder{{{app::Sku{1}, 1}}, g_total, {}};
app::Outer g_outer;
app::Box<app::Sku> g_box;
app::Wired g_wired{g_total, {}, {}};
app::Tailed g_tailed{{}, 7, g_total, {}};
__attribute__((noinline)) long touch(int n) {
  app::Sku s{n};
  g_total += ++g_derived.counts[s] + ++g_holder.live[s] + ++g_outer.inner.counts[s] + ++g_box.counts[s] + ++g_wired.counts[s] + ++g_tailed.counts[s];
  return g_total + static_cast<long>(g_holder.fixed.size());
}
int main() { std::printf("%ld\n", touch(3)); }
