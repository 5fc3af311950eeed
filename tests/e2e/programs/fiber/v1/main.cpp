// A thread runs on a stack the program allocated with malloc (a fiber or
// coroutine stack, as boost::context's fixedsize_stack does) and blocks there. The
// reclamation scan must not start the heap at that stack pointer (only a thread's own
// stack has a dead part below it): a heap object below the fiber's stack that
// points into a reverted patch keeps the patch.
#include <pthread.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

struct Holder {
  const char* label;
};
Holder* g_holder = new Holder{"label v1"};  // allocated first: low in the heap

void set();

namespace {
int g_pipe[2];
ucontext_t g_main_context, g_fiber_context;

void fiber_body() {
  char c;
  (void)read(g_pipe[0], &c, 1);  // blocks, on the malloc'd stack
  swapcontext(&g_fiber_context, &g_main_context);
}

void start_fiber() {
  (void)pipe(g_pipe);
  constexpr std::size_t kStack = 64 * 1024;  // below malloc's mmap threshold: in the heap
  void* stack = std::malloc(kStack);           // by this thread: the main arena, [heap]
  std::thread([stack] {
    getcontext(&g_fiber_context);
    g_fiber_context.uc_stack.ss_sp = stack;
    g_fiber_context.uc_stack.ss_size = kStack;
    g_fiber_context.uc_link = nullptr;
    makecontext(&g_fiber_context, fiber_body, 0);
    swapcontext(&g_main_context, &g_fiber_context);
  }).detach();
}
}  // namespace

// A thread started on a stack the program gave pthread_create, also from the heap: the C
// library puts the thread's TLS block at its top, inside the heap mapping.
void start_thread_on_heap_stack() {
  constexpr std::size_t kStack = 96 * 1024;
  void* stack = std::malloc(kStack);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, kStack);
  pthread_t thread;
  pthread_create(
      &thread, &attr,
      [](void*) -> void* {
        char c;
        (void)read(g_pipe[0], &c, 1);
        return nullptr;
      },
      nullptr);
  pthread_attr_destroy(&attr);
}

std::string handle(const std::string& command) {
  if (command == "thread-on-heap-stack") {
    (void)pipe(g_pipe);
    start_thread_on_heap_stack();
    usleep(200000);
    return "thread blocked";
  }
  if (command == "fiber") {
    start_fiber();
    usleep(200000);
    return "fiber blocked";
  }
  if (command == "set") {
    set();
    return "set";
  }
  if (command == "label") return g_holder->label;
  return "unknown " + command;
}
