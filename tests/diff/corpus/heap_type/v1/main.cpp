// Session changes; the program holds Sessions on the heap, behind a vector and a pointer:
// both data reach the changed type, so both move (the pointer forwarded to the new element).
#include <cstdio>
#include <vector>
struct Session {
  int id;
};
std::vector<Session> g_sessions;
Session* g_current = nullptr;
__attribute__((noinline)) void open_session(int id) {
  g_sessions.push_back({id});
  g_current = &g_sessions.back();
}
int main() {
  open_session(1);
  std::printf("%d\n", g_current->id);
}
