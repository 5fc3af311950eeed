#include <cstdio>
#include <optional>
#include <vector>

#include "val.h"
// The global Val changes; f's own Val does not. Clang names both vectors std::vector<Val>:
// only g_vals migrates, and f's statics are neither migrated nor refused.
std::vector<Val> g_vals(2);
__attribute__((noinline)) int f(int n) {
  struct Val {
    int v;
    int w;
  };
  static std::optional<Val> once;
  static std::vector<Val> many(3);
  if (!once) once.emplace();
  once->v += n;
  return once->v + many[1].w;
}
__attribute__((noinline)) int use(int n) { return g_vals[0].v += n; }
int main(int argc, char**) { std::printf("%d %d\n", f(argc), use(argc)); }
