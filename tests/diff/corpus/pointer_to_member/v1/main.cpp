#include <cstdio>

#include "app.h"
app::Session g_session;
__attribute__((noinline)) int touch(int n) {
  app::Peer p;
  return (p.*(g_session.pm))(n) + p.*(g_session.pf) + (p.*(g_session.pc))(n) + p.*(g_session.pd) + (p.*(g_session.pn))(n) + (app::Peer{}.*(g_session.pr))(n) + g_session.id;
}
int main() { std::printf("%d\n", touch(3)); }
