// Counters for /-/status. Each worker owns one WorkerCounters and is its only writer, so
// an increment is a relaxed load and store (no locked instruction on the hot path);
// the status page sums them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace httpd {

struct WorkerCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> open{0};

  static void bump(std::atomic<std::uint64_t>& c, std::int64_t delta) {
    c.store(c.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(delta),
            std::memory_order_relaxed);
  }
};

struct ServerStats {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<WorkerCounters>> workers;
  // Open connections of all workers, checked against --max-connections at accept.
  std::atomic<int> open_connections{0};
};

}  // namespace httpd
