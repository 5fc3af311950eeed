// A changed class held in a std::variant: the variant moves alternative by alternative, and
// the report counts the standard library's own types that hold the class instead of listing
// them.
#include <cstdio>
#include <string>
#include <variant>
struct Session {
  int id = 0;
  long bytes = 0;  // new
  std::string name;
};
std::variant<int, Session> g_state;
__attribute__((noinline)) int touch(int id) {
  g_state = Session{id};
  return std::get<Session>(g_state).id;
}
int main() { std::printf("%d\n", touch(2)); }
