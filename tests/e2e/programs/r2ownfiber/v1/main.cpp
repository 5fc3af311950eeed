// Second review: a fiber whose stack is an array in a frame of the thread's own stack
// (makecontext on a local buffer, as many coroutine examples and small schedulers do).
// While the fiber runs, the thread's stack pointer lies inside the array, and the frames of
// the context it switched away from lie BELOW it, in the same mapping (the one holding the
// thread's TLS). Reclamation takes everything below the stack pointer of a thread's own
// stack for dead frames, so a pointer into a reverted patch kept in such a frame is missed.
#include <hotswap/hotswap.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

const char* message();

namespace {
std::atomic<bool> g_fiber_running{false}, g_release{false};
ucontext_t g_fiber;
ucontext_t* g_back = nullptr;
std::string g_result;

void fiber_body() {
  g_fiber_running = true;
  while (!g_release) asm volatile("pause");  // running: the thread answers the sampler itself
  swapcontext(&g_fiber, g_back);
}

__attribute__((noinline)) void run(char* stack, std::size_t size) {
  ucontext_t here;                        // this frame lies below the fiber's stack
  const char* volatile keep = message();  // v2: a literal only the patch has
  g_back = &here;
  getcontext(&g_fiber);
  g_fiber.uc_stack.ss_sp = stack;
  g_fiber.uc_stack.ss_size = size;
  g_fiber.uc_link = nullptr;
  makecontext(&g_fiber, fiber_body, 0);
  swapcontext(&here, &g_fiber);
  g_result = keep;
}

__attribute__((noinline)) void outer() {
  alignas(16) char stack[64 * 1024];
  run(stack, sizeof stack);
  asm volatile("" ::"r"(stack) : "memory");
}
}  // namespace

std::string handle(const std::string& command) {
  if (command.rfind("go ", 0) == 0) {
    if (!hotswap::apply(command.substr(3))) return "not applied";
    std::thread t(outer);
    while (!g_fiber_running) usleep(1000);
    hotswap::Result r = hotswap::revert();
    g_release = true;
    t.join();
    return (r ? "reverted, " : "not reverted, ") + g_result;
  }
  return "unknown " + command;
}
