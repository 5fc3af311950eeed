#include <cstdio>

#include "app.h"
app::Route g_route;
int (app::Peer::*g_call)(int) = &app::Peer::ping;
__attribute__((noinline)) int touch(int n) {
  app::Peer p;
  return (p.*(g_route.call))(n) + (p.*g_call)(n);
}
int main() { std::printf("%d\n", touch(3)); }
