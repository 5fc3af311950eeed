// Migration throughput of the transform helpers (<hotswap/transform.h>), compiled the way
// `hotswap diff` compiles a transform file: old layouts in hotswap_old, one overload per
// changed type, then transform_impl.h. What the runtime calls while the program's threads
// are held: these numbers are the pause's largest part (docs/performance.md).
#include <hotswap/transform.h>

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace app {
struct Point {  // release 2: widened coordinates and a weight
  long x = 0, y = 0;
  int weight = 1;
};
struct Session {  // release 2: a request count
  int id = 0;
  std::string user;
  long requests = 0;
};
struct Item {
  int sku = 0;
  long quantity = 0;
  int price_cents = 100;
};
struct Cart {  // what bench/migration's pause benchmark moves: a session with two items
  int id = 0;
  std::string user;
  std::vector<Item> items;
  long requests = 0;
};
}  // namespace app

namespace hotswap_old::app {
struct Point {
  int x, y;
};
struct Session {
  int id;
  std::string user;
};
struct Item {
  int sku, quantity;
};
struct Cart {
  int id;
  std::string user;
  std::vector<Item> items;
};
}  // namespace hotswap_old::app

bool hotswap_transform(const hotswap_old::app::Point& from, app::Point& to) {
  return hotswap::transform(from.x, to.x) && hotswap::transform(from.y, to.y);
}
bool hotswap_transform(const hotswap_old::app::Session& from, app::Session& to) {
  return hotswap::transform(from.id, to.id) && hotswap::transform(from.user, to.user);
}

bool hotswap_transform(const hotswap_old::app::Item& from, app::Item& to) {
  return hotswap::transform(from.sku, to.sku) && hotswap::transform(from.quantity, to.quantity);
}
bool hotswap_transform(const hotswap_old::app::Cart& from, app::Cart& to) {
  return hotswap::transform(from.id, to.id) && hotswap::transform(from.user, to.user) &&
         hotswap::transform(from.items, to.items);
}

#include <hotswap/transform_impl.h>

namespace {

template <class From, class To>
void migrate(benchmark::State& state, const From& from, To& to) {
  hotswap_migration_begin();
  if (hotswap::migration_detail::migrate_root<From, To>(&from, &to) != 0 || hotswap_migration_end() != 0)
    state.SkipWithError(hotswap_migration_error());
}

void BM_MigrateVectorElements(benchmark::State& state) {
  std::vector<hotswap_old::app::Point> from(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < from.size(); ++i) from[i] = {static_cast<int>(i), static_cast<int>(i * 2)};
  for (auto _ : state) {
    std::vector<app::Point> to;
    migrate(state, from, to);
    benchmark::DoNotOptimize(to.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MigrateVectorElements)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_MigrateObjectsBehindUniquePtrInAMap(benchmark::State& state) {
  std::unordered_map<int, std::unique_ptr<hotswap_old::app::Session>> from;
  from.reserve(static_cast<std::size_t>(state.range(0)));
  for (int i = 0; i < state.range(0); ++i)
    from.emplace(i, std::make_unique<hotswap_old::app::Session>(hotswap_old::app::Session{i, "u" + std::to_string(i)}));
  for (auto _ : state) {
    std::unordered_map<int, std::unique_ptr<app::Session>> to;
    migrate(state, from, to);
    state.PauseTiming();  // freeing the new objects is not part of a migration
    to.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MigrateObjectsBehindUniquePtrInAMap)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(5);

// The pause benchmark's state in-process: 100 k carts, the old objects destroyed between
// runs as the runtime does after an update.
void BM_MigrateCartsAsThePauseBenchmarkDoes(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::unordered_map<int, std::unique_ptr<hotswap_old::app::Cart>> from;
    for (int i = 0; i < state.range(0); ++i)
      from.emplace(i, std::make_unique<hotswap_old::app::Cart>(
                          hotswap_old::app::Cart{i, "user" + std::to_string(i), {{i, 1}, {i + 1, 2}}}));
    std::unordered_map<int, std::unique_ptr<app::Cart>> to;
    state.ResumeTiming();
    migrate(state, from, to);
    hotswap_migration_clear();
    state.PauseTiming();
    from.clear();
    to.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 3);
}
BENCHMARK(BM_MigrateCartsAsThePauseBenchmarkDoes)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace

BENCHMARK_MAIN();
