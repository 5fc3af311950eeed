// What taking part in updates costs: update_point() when nothing is pending, and the time
// from asking for quiescence until 8 threads looping on update_point() and 8 blocked in an
// idle_scope are all held (docs/performance.md, docs/type-updates.md).
#include <benchmark/benchmark.h>
#include <hotswap/hotswap.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/quiescence.h"

namespace {

void BM_UpdatePointNothingPending(benchmark::State& state) {
  hotswap::update_point();  // takes part from here on
  for (auto _ : state) hotswap::update_point();
}
BENCHMARK(BM_UpdatePointNothingPending);

// 8 workers: a little work, then an update point. 8 idlers: blocked in poll() on the wake
// fd inside an idle scope, the way an event loop waits.
class Participants {
 public:
  Participants() {
    for (int i = 0; i < 8; ++i)
      threads_.emplace_back([this] {
        std::uint64_t x = 0;
        while (!stop_) {
          for (int k = 0; k < 100; ++k) benchmark::DoNotOptimize(x += static_cast<std::uint64_t>(k));
          hotswap::update_point();
        }
      });
    for (int i = 0; i < 8; ++i)
      threads_.emplace_back([this] {
        while (!stop_) {
          bool woken = false;
          {
            hotswap::idle_scope idle;
            pollfd fd{hotswap::wake_fd(), POLLIN, 0};
            woken = poll(&fd, 1, 50) == 1;
          }
          if (woken) hotswap::update_point();
        }
      });
    while (hotswap::quiescence::participants() < 16) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Participants() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

void BM_TimeToQuiescence16Threads(benchmark::State& state) {
  hotswap::start();
  Participants participants;
  for (auto _ : state) {
    auto begin = std::chrono::steady_clock::now();
    auto held = hotswap::quiescence::hold(begin + std::chrono::seconds(5));
    auto end = std::chrono::steady_clock::now();
    if (!held) {
      state.SkipWithError(held.error().message.c_str());
      break;
    }
    hotswap::quiescence::release();
    state.SetIterationTime(std::chrono::duration<double>(end - begin).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let them run again
  }
}
BENCHMARK(BM_TimeToQuiescence16Threads)->UseManualTime()->Iterations(200)->Unit(benchmark::kMicrosecond);

}  // namespace
