// What updateability costs: a call to an updateable function against the same function
// built without the flags (and after a redirect), and the commit pause of 1- and
// 100-function patches. Method and numbers: docs/performance.md.
#include <benchmark/benchmark.h>
#include <hotswap/hotswap.h>

#include <cstdlib>
#include <string>
#include <vector>

int plain_add(int x);
int updateable_add(int x);

namespace {

const std::string kPatch1 = BENCH_DIR "/commit-1.hsp";
const std::string kPatch100 = BENCH_DIR "/commit-100.hsp";

void apply_or_die(const std::string& path) {
  hotswap::Result r = hotswap::apply(path);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.message.c_str());
    std::abort();
  }
}

void BM_CallPlain(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) benchmark::DoNotOptimize(x = plain_add(x));
}
BENCHMARK(BM_CallPlain);

void BM_CallUpdateable(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) benchmark::DoNotOptimize(x = updateable_add(x));
}
BENCHMARK(BM_CallUpdateable);

// A call to a redirected function: entry jump, pad jump through the slot, new code.
void BM_CallRedirected(benchmark::State& state) {
  apply_or_die(kPatch1);
  int x = 0;
  for (auto _ : state) benchmark::DoNotOptimize(x = updateable_add(x));
  hotswap::revert();
}
BENCHMARK(BM_CallRedirected);

// The commit pause alone (manual time): what running threads can observe.
void commit_pause(benchmark::State& state, const std::string& patch) {
  for (auto _ : state) {
    hotswap::Result r = hotswap::apply(patch);
    if (!r) {
      state.SkipWithError(r.message.c_str());
      return;
    }
    state.SetIterationTime(static_cast<double>(r.pause_ns) * 1e-9);
    hotswap::revert();
  }
}
void BM_CommitPause1(benchmark::State& state) { commit_pause(state, kPatch1); }
void BM_CommitPause100(benchmark::State& state) { commit_pause(state, kPatch100); }
BENCHMARK(BM_CommitPause1)->UseManualTime()->Iterations(300)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CommitPause100)->UseManualTime()->Iterations(300)->Unit(benchmark::kMicrosecond);

// The whole apply (read, verify, place, bind, relocate, stage, commit) as the caller sees it.
void BM_Apply100(benchmark::State& state) {
  for (auto _ : state) {
    apply_or_die(kPatch100);
    state.PauseTiming();
    hotswap::revert();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Apply100)->Iterations(100)->Unit(benchmark::kMicrosecond);

// A revert and its reclamation of the reverted patch, with HOTSWAP_RECLAIM=scan in the
// environment (docs/ARCHITECTURE.md, "Reverted patches"): the scan of the process's memory,
// with every thread held, grows with the heap. The argument is the heap the program holds,
// in MiB, filled with words that point nowhere.
void BM_RevertAndReclaim(benchmark::State& state) {
  const char* mode = std::getenv("HOTSWAP_RECLAIM");
  if (!mode || std::string(mode) != "scan") {
    state.SkipWithError("run with HOTSWAP_RECLAIM=scan to measure reclamation");
    return;
  }
  std::vector<std::uint64_t> heap(static_cast<std::size_t>(state.range(0)) << 17, 0x5a5a5a5a5a5a5a5aULL);
  benchmark::DoNotOptimize(heap.data());
  for (auto _ : state) {
    state.PauseTiming();
    apply_or_die(kPatch1);
    state.ResumeTiming();
    hotswap::revert();
  }
}
BENCHMARK(BM_RevertAndReclaim)->Arg(0)->Arg(16)->Arg(48)->Arg(128)->Iterations(20)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  hotswap::start();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
