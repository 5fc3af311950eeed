#include <atomic>
extern std::atomic<bool> g_release;
extern std::atomic<int> g_entered;

int work(int x) {
  g_entered = 1;
  while (!g_release.load()) {
  }
  return x + 2;
}
