// A changed class nested in a class that changes because it holds it, the way real C++
// nests its helpers (a session's lines).
#include <cstdio>
#include <cstring>
#include "session.h"
app::Session g_session;
std::vector<app::Registry::Entry> g_entries;
__attribute__((noinline)) int add_line(const char* text) {
  g_session.last = {static_cast<int>(g_session.lines.size()) + 1, static_cast<long>(std::strlen(text)), text};
  g_session.lines.push_back(g_session.last);
  return g_session.last.number;
}
__attribute__((noinline)) int add_entry(int key) {
  g_entries.push_back({key, 2});
  return static_cast<int>(g_entries.size());
}
int main() {
  add_entry(7);
  std::printf("%d\n", add_line("hello"));
}
