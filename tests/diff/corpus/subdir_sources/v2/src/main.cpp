#include <cstdio>
struct Session {
  int id;
  int hits;
  long bytes;
};
Session g_session{1, 0, 0};
__attribute__((noinline)) void hit() { g_session.hits++; }
__attribute__((noinline)) int session_id() { return g_session.id; }
__attribute__((noinline)) void reset(Session* s) { s->hits = 0; }
__attribute__((noinline)) int unrelated(int x) { return x - 1; }
int main(int argc, char**) {
  hit();
  reset(&g_session);
  std::printf("%d %d\n", session_id(), unrelated(argc));
}
