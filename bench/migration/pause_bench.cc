// The pause of a type-changing patch: N sessions (each a heap object with a cart of two
// items, behind a unique_ptr in an unordered_map) move to release 2's layouts, and back.
// The time reported is the runtime's own measure of the pause (Result::pause_ns): from the
// moment every thread is held until they run again (docs/performance.md).
//
// Two cases, in this order: the first apply in the process (a cold heap: every new object
// lands on a page the kernel has yet to give, and the migration's tables have no size to
// go by), then apply/revert cycles (the heap and the tables as the cycle before left them).
// The revert's pause is reported beside the apply's.
#include <benchmark/benchmark.h>
#include <hotswap/hotswap.h>

#include "state.h"

namespace {

void BM_PauseOfATypeChange(benchmark::State& state) {
  static bool opened = false;
  if (!opened) bench::open_sessions(static_cast<int>(state.range(0)));
  opened = true;
  long before = bench::total_quantity();
  double revert_ns = 0;
  for (auto _ : state) {
    hotswap::Result applied = hotswap::apply(PATCH);
    if (!applied) {
      state.SkipWithError(applied.message.c_str());
      break;
    }
    state.SetIterationTime(static_cast<double>(applied.pause_ns) / 1e9);
    hotswap::Result reverted = hotswap::revert();
    if (!reverted) {
      state.SkipWithError(reverted.message.c_str());
      break;
    }
    revert_ns += static_cast<double>(reverted.pause_ns);
  }
  if (bench::total_quantity() != before) state.SkipWithError("the state did not survive the round trips");
  state.SetItemsProcessed(state.iterations() * state.range(0) * 3);  // a session and two items each
  state.counters["revert_ms"] = benchmark::Counter(revert_ns / 1e6 / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_PauseOfATypeChange)->Name("BM_PauseOfATypeChange/first")->Arg(100'000)->UseManualTime()
    ->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_PauseOfATypeChange)->Name("BM_PauseOfATypeChange/repeated")->Arg(100'000)->UseManualTime()
    ->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace

int main(int argc, char** argv) {
  hotswap::start();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
}
