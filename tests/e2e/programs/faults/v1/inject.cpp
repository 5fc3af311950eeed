// Failure injection for the tests: this program's own mprotect, which the runtime (linked
// into the executable) calls instead of the C library's. Armed with a count N, it lets N
// calls through and fails the next one with ENOMEM. This unit never changes.
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

std::atomic<int> g_mprotect_countdown{-1};
int g_inits = 0;  // counts the side effects of the patches' static initializers

void note_init() { ++g_inits; }

extern "C" int mprotect(void* address, size_t length, int protection) noexcept {
  int n = g_mprotect_countdown.load();
  while (n >= 0 && !g_mprotect_countdown.compare_exchange_weak(n, n - 1)) {
  }
  if (n == 0) {
    errno = ENOMEM;
    return -1;
  }
  return static_cast<int>(syscall(SYS_mprotect, address, length, protection));
}
