// A worker with every signal blocked (signals go to a dedicated thread, a common design)
// runs inside a patched function while the patch is reverted and applies and reverts go
// on. The sampler must never take it for seen: not when its signal stays pending, not when
// the user's limit of pending signals is reached (RLIMIT_SIGPENDING, lowered here).
#include <hotswap/hotswap.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <string>
#include <thread>

int work(int);
std::atomic<bool> g_release{false};
std::atomic<int> g_entered{0};

std::string handle(const std::string& command) {
  if (command.rfind("blocked-worker ", 0) != 0) return "unknown " + command;
  std::string patch = command.substr(15);
  rlimit few{40, 40};
  setrlimit(RLIMIT_SIGPENDING, &few);
  if (!hotswap::apply(patch)) return "not applied";
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);  // inherited by the worker
  int result = 0;
  std::thread worker([&result] { result = work(1); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  while (!g_entered) std::this_thread::yield();
  bool ok = static_cast<bool>(hotswap::revert());  // the worker is still inside the patch's work()
  for (int i = 0; i < 60 && ok; ++i) ok = hotswap::apply(patch) && hotswap::revert();
  g_release = true;
  worker.join();
  return std::string(ok ? "cycles done" : "a cycle failed") + ", worker " + std::to_string(result);
}
