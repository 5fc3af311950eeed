#include <cstdio>

#include "app.h"
app::Route g_route;
__attribute__((noinline)) int touch(int n) {
  app::Peer p;
  return (p.*(g_route.call))(n) + (p.*(g_route.peer))(&p) + g_route.scale(n) + g_route.counter(&p);
}
int main() { std::printf("%d\n", touch(3)); }
