// The public API (include/hotswap/hotswap.h): thin, never throws into the program.
#include <sys/eventfd.h>
#include <unistd.h>

#include <hotswap/hotswap.h>

#include "runtime/control_server.h"
#include "runtime/runtime.h"
#include "runtime/thread_sampler.h"

namespace hotswap {

namespace detail {
std::atomic<bool> update_pending{false};
void update_point_slow() noexcept {}
}  // namespace detail

namespace {
std::atomic<int> g_wake_fd{-1};

template <class F>
auto guarded(F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    if constexpr (std::is_same_v<decltype(f()), Result>) return Result{false, std::string("internal error: ") + e.what(), 0};
    else return {};
  } catch (...) {
    if constexpr (std::is_same_v<decltype(f()), Result>) return Result{false, "internal error", 0};
    else return {};
  }
}
}  // namespace

Result start() {
  return guarded([] {
    int expected = -1;
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd >= 0 && !g_wake_fd.compare_exchange_strong(expected, fd)) close(fd);
    Status ready = Runtime::instance().start();
    if (ready) ready = start_control_server();
    if (!ready) return Result{false, "hotswap::start: " + ready.message(), 0};
    return Result{true, "hotswap runtime ready, version " + Runtime::instance().current_version(), 0};
  });
}

Result apply(const std::string& path) {
  ProgramFrame frame(__builtin_frame_address(0));  // the program's frames lie above this one
  return guarded([&] { return Runtime::instance().apply(path); });
}

Result revert() {
  ProgramFrame frame(__builtin_frame_address(0));
  return guarded([] { return Runtime::instance().revert(); });
}

std::string current_version() {
  return guarded([] { return Runtime::instance().current_version(); });
}

std::vector<Version> versions() {
  return guarded([] { return Runtime::instance().versions(); });
}

int wake_fd() noexcept { return g_wake_fd.load(); }

idle_scope::idle_scope() noexcept {}
idle_scope::~idle_scope() {}

}  // namespace hotswap
