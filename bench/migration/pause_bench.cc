// The pause of a type-changing patch: N sessions (each a heap object with a cart of two
// items, behind a unique_ptr in an unordered_map) move to release 2's layouts, and back.
// The time reported is the runtime's own measure of the pause (Result::pause_ns): from the
// moment every thread is held until they run again (docs/performance.md).
#include <benchmark/benchmark.h>
#include <hotswap/hotswap.h>

#include "state.h"

namespace {

void BM_PauseOfATypeChange(benchmark::State& state) {
  bench::open_sessions(static_cast<int>(state.range(0)));
  long before = bench::total_quantity();
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
  }
  if (bench::total_quantity() != before) state.SkipWithError("the state did not survive the round trips");
  state.SetItemsProcessed(state.iterations() * state.range(0) * 3);  // a session and two items each
}
BENCHMARK(BM_PauseOfATypeChange)->Arg(100'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace

int main(int argc, char** argv) {
  hotswap::start();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
}
