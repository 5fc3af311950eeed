#include "runtime/quiescence.h"

#include <gtest/gtest.h>
#include <ucontext.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <hotswap/hotswap.h>

// The flag the API defines (api.cc, not linked here).
namespace hotswap::detail {
std::atomic<bool> update_pending{false};
}  // namespace hotswap::detail

namespace {

struct Walk {
  std::size_t count = 0;
  bool complete = false;
  std::uint64_t last = 1;
};

thread_local char t_big[256 * 1024];

Walk walk_here() {
  std::array<std::uint64_t, 256> frames{};
  Walk w;
  w.count = hotswap::quiescence::calling_thread_return_addresses(frames, w.complete,
                                                                 hotswap::quiescence::calling_thread_stack());
  if (w.count) w.last = frames[w.count - 1];
  return w;
}

// A thread's frames, unwound where it parks, are known to its start: then the checks read
// its return addresses exactly. glibc's clone3 ends its unwind information with an
// undefined return address, which libgcc reports as one more frame at address 0; taken
// for the last frame, it made every thread's walk "incomplete", and the checks fell back
// to scanning its whole stack for any word inside replaced code (a stale return address
// from a call that had returned refused catalog's update at every try).
TEST(Quiescence, AThreadsFramesAreCompleteToItsStart) {
  Walk on_thread, with_tls;
  std::thread([&on_thread] { on_thread = walk_here(); }).join();
  EXPECT_TRUE(on_thread.complete);
  // Much static TLS puts the thread's first frame far below the end of its stack.
  std::thread([&with_tls] {
    t_big[0] = 1;
    with_tls = walk_here();
  }).join();
  EXPECT_TRUE(with_tls.complete);
  EXPECT_GT(on_thread.count, 2u);
  EXPECT_NE(on_thread.last, 0u) << "no frame at address 0";

  Walk on_main = walk_here();
  EXPECT_TRUE(on_main.complete) << "main's frames reach _start";
  EXPECT_NE(on_main.last, 0u);
}

// A fiber's unwind ends in its own start, inside the C library (makecontext's), on a stack
// that is not the thread's: the frames that switched to it are unseen, so its walk is not
// complete (the checks then fall back to the thread's whole stack).
Walk g_fiber_walk;
ucontext_t g_main_context, g_fiber_context;
void fiber() { g_fiber_walk = walk_here(); }

TEST(Quiescence, AFibersFramesAreNotTheThreads) {
  std::vector<char> stack(256 * 1024);
  ASSERT_EQ(getcontext(&g_fiber_context), 0);
  g_fiber_context.uc_stack.ss_sp = stack.data();
  g_fiber_context.uc_stack.ss_size = stack.size();
  g_fiber_context.uc_link = &g_main_context;
  makecontext(&g_fiber_context, fiber, 0);
  ASSERT_EQ(swapcontext(&g_main_context, &g_fiber_context), 0);
  EXPECT_GT(g_fiber_walk.count, 0u);
  EXPECT_FALSE(g_fiber_walk.complete);
}

}  // namespace
