// The public API (include/hotswap/hotswap.h): thin, never throws into the program.
#include <unistd.h>

#include <hotswap/hotswap.h>

#include <algorithm>
#include <cstring>

#include "arch/x86_64/registers.h"
#include "runtime/control_server.h"
#include "runtime/quiescence.h"
#include "runtime/runtime.h"
#include "runtime/thread_sampler.h"

namespace hotswap {

namespace detail {
std::atomic<bool> update_pending{false};
thread_local bool takes_part = false;
void update_point_slow() noexcept {
  takes_part = true;
  quiescence::update_point();
}
}  // namespace detail

namespace {
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

Result start() { return start(StartOptions{}); }

Result start(const StartOptions& options) {
  quiescence::InRuntime in_runtime;
  return guarded([&] {
    quiescence::open_wake_fd();
    Status ready = Runtime::instance().start(options);
    if (ready) ready = start_control_server(Runtime::instance().policies().access);
    if (!ready) return Result{false, "hotswap::start: " + ready.message(), 0};
    return Result{true, "hotswap runtime ready, version " + Runtime::instance().current_version(), 0};
  });
}

// Where the program's part of this thread's stack begins, with the registers the program
// keeps across the call: what it holds there may point into a patch (thread_sampler.h).
// Both are read by unwinding from the API function to its caller: the program's registers
// as they were at its call (the API function's prologue may have saved them and reused the
// registers for its arguments), and the slot of the return address into the program. The
// API function's own frame is the runtime's: its slots not yet written hold whatever
// earlier calls left there, such as a stale return address into a function a patch
// replaces, which a conservative scan would take for a live one. Without unwind tables,
// the registers as they are here and the stack from here (the API function's frame, with
// its saved registers, included).
#define HOTSWAP_PROGRAM_FRAME(name)                                            \
  std::uint64_t name##_registers[x86_64::kCalleeSavedCount];                   \
  std::uint64_t name##_start = 0;                                              \
  if (!x86_64::caller_registers(name##_registers, name##_start)) {             \
    x86_64::capture_callee_saved(name##_registers);                            \
    name##_start = x86_64::stack_pointer();                                    \
  }                                                                            \
  ProgramFrame name(name##_start, name##_registers)

Result apply(const std::string& path) {
  HOTSWAP_PROGRAM_FRAME(frame);
  quiescence::InRuntime in_runtime;
  return guarded([&] { return Runtime::instance().apply(path); });
}

Result revert() {
  HOTSWAP_PROGRAM_FRAME(frame);
  quiescence::InRuntime in_runtime;
  return guarded([] { return Runtime::instance().revert(); });
}

std::string current_version() {
  try {
    if (auto published = Runtime::instance().published()) return published->current_version;  // no lock, no wait
  } catch (...) {  // out of memory copying it
    return "";
  }
  quiescence::InRuntime in_runtime;
  return guarded([] { return Runtime::instance().current_version(); });
}

std::vector<Version> versions() {
  try {
    if (auto published = Runtime::instance().published()) return published->versions;
  } catch (...) {  // out of memory copying it
    return {};
  }
  quiescence::InRuntime in_runtime;
  return guarded([] { return Runtime::instance().versions(); });
}

int wake_fd() noexcept { return quiescence::wake_fd(); }

// idle_scope::idle_scope() is arch/x86_64/idle_entry.cc: it stores the program's registers
// first, then enters through hotswap_idle_enter_registers (below). Referenced here so that
// every program that links the API links it too: a patch may use an idle scope where the
// running release used none, and binds to the program's own.
extern "C" void hotswap_idle_enter(void);
[[gnu::used]] static void (*const kIdleEntry)() = &hotswap_idle_enter;
idle_scope::~idle_scope() { quiescence::leave_idle(); }

}  // namespace hotswap

// ---- The C API: the same, with strings in the caller's buffers ----
using namespace hotswap;

namespace hotswap {  // the runtime's own data (migrate.cc tells it from the program's by name)
namespace {

thread_local std::string t_last_message;

std::size_t copy_out(const std::string& text, char* buffer, std::size_t size) {
  if (buffer && size) {
    std::size_t n = std::min(text.size(), size - 1);
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
  }
  return text.size();
}

int answer(const hotswap::Result& r, char* message, std::size_t size) {
  t_last_message = r.message;
  copy_out(r.message, message, size);
  return r.ok ? 0 : -1;
}

}  // namespace
}  // namespace hotswap

// Nothing may unwind into a C caller: every entry answers `failed` on any exception (an
// allocation that failed while copying a message).
template <class F, class T>
T c_guarded(F&& f, T failed) noexcept {
  try {
    return f();
  } catch (...) {
    return failed;
  }
}

extern "C" {

int hotswap_start(void) {
  return c_guarded([] {
    hotswap::Result r = hotswap::start();
    t_last_message = r.message;
    return r.ok ? 0 : -1;
  }, -1);
}

int hotswap_apply(const char* path, char* message, size_t size) {
  HOTSWAP_PROGRAM_FRAME(frame);  // the C caller's frame, not the C++ API's
  return c_guarded([&] {
    if (!path) return answer(hotswap::Result{false, "hotswap_apply: no path", 0}, message, size);
    hotswap::quiescence::InRuntime in_runtime;
    return answer(hotswap::guarded([&] { return hotswap::Runtime::instance().apply(path); }), message, size);
  }, -1);
}

int hotswap_revert(char* message, size_t size) {
  HOTSWAP_PROGRAM_FRAME(frame);
  return c_guarded([&] {
    hotswap::quiescence::InRuntime in_runtime;
    return answer(hotswap::guarded([] { return hotswap::Runtime::instance().revert(); }), message, size);
  }, -1);
}

size_t hotswap_current_version(char* buffer, size_t size) {
  return c_guarded([&] { return copy_out(hotswap::current_version(), buffer, size); }, std::size_t{0});
}

size_t hotswap_last_message(char* buffer, size_t size) {
  return c_guarded([&] { return copy_out(t_last_message, buffer, size); }, std::size_t{0});
}

void hotswap_update_point(void) { hotswap::update_point(); }

int hotswap_wake_fd(void) { return hotswap::wake_fd(); }

// hotswap_idle_enter() and idle_scope's constructor (arch/x86_64/idle_entry.cc) come here
// with the callee-saved registers the program had where it entered the scope.
extern "C" void hotswap_idle_enter_registers(const std::uint64_t* registers) {
  hotswap::detail::takes_part = true;
  c_guarded([registers] {
    hotswap::quiescence::enter_idle(registers);
    return 0;
  }, 0);
}

void hotswap_idle_leave(void) {
  c_guarded([] {
    hotswap::quiescence::leave_idle();
    return 0;
  }, 0);
}

}  // extern "C"
