// A struct known only by its typedef (the C idiom) changes: it is reported, and transformed,
// by that name, and a struct that points to it is not reported as changed ("THREAD* ->
// THREAD*"): it holds the changed type, so its datum moves and the pointer is forwarded.
#include <cstdio>
typedef struct {
  int id;
  long served;
} THREAD;
struct Conn {
  THREAD* thread;
  int fd;
};
THREAD g_thread{1, 0};
Conn g_conn{nullptr, 3};
__attribute__((noinline)) int thread_id() { return g_conn.thread->id + static_cast<int>(g_conn.thread->served); }
int main() {
  g_conn.thread = &g_thread;
  std::printf("%d\n", thread_id());
}
