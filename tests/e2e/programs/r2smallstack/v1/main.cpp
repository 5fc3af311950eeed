// A fiber on a small stack (16 KiB, with a guard page) that has room for any ordinary
// signal handler (the kernel's frame is about 3.4 KiB with AVX-512): the sampler's handler
// must fit as well, and so must the dynamic linker's resolver of any function it calls.
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace {
constexpr std::size_t kStack = 16 * 1024, kUsed = 8 * 1024 + 512;
std::atomic<bool> g_spinning{false}, g_stop{false};
std::atomic<int> g_usr1{0};
ucontext_t g_fiber, g_back;
pthread_t g_thread;

__attribute__((noinline)) void deep() {
  volatile char buf[kUsed];
  std::memset(const_cast<char*>(buf), 1, sizeof buf);
  g_spinning = true;
  while (!g_stop) asm volatile("pause");
}
void fiber_body() {
  deep();
  swapcontext(&g_fiber, &g_back);
}
void* thread_main(void*) {
  auto* mem = static_cast<char*>(mmap(nullptr, kStack + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  mprotect(mem, 4096, PROT_NONE);  // a guard page below the fiber's stack
  getcontext(&g_fiber);
  g_fiber.uc_stack.ss_sp = mem + 4096;
  g_fiber.uc_stack.ss_size = kStack;
  makecontext(&g_fiber, fiber_body, 0);
  swapcontext(&g_back, &g_fiber);
  return nullptr;
}
}  // namespace

int work(int x);

std::string handle(const std::string& command) {
  if (command == "fiber") {
    signal(SIGUSR1, [](int) { g_usr1.fetch_add(1); });
    pthread_create(&g_thread, nullptr, thread_main, nullptr);
    while (!g_spinning) usleep(1000);
    return "fiber spinning";
  }
  if (command == "usr1") {  // an ordinary handler fits
    pthread_kill(g_thread, SIGUSR1);
    while (g_usr1.load() == 0) usleep(1000);
    return "handled";
  }
  if (command == "work") return std::to_string(work(1));
  return "unknown " + command;
}
