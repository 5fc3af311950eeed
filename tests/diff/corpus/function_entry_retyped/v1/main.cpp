#include <cstdio>

#include "app.h"
app::Route g_route;
__attribute__((noinline)) int touch(int n) {
  app::Peer p;
  return (p.*(g_route.call))(n) + (p.*(g_route.peer))(&p) + (p.*(g_route.look))(&p) + g_route.scale(n) +
         g_route.counter(&p) + g_route.list[0](n);
}
int main() { std::printf("%d\n", touch(3)); }
