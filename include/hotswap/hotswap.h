// hotswap: live updates of a running C or C++ program.
//
// This header is the whole public contract of the runtime. A program built with
// hotswap_add_executable() links the runtime; nothing runs until the program calls into it.
// No function here throws, and none aborts the program on bad input: failures come back as
// a result with a message that names the symbol, section or relocation and the reason.
//
// It compiles as C99 or later (the C API below) and as C++ (the same C API, and the C++ API
// after it).
#pragma once

#ifdef __cplusplus
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
extern "C" {
#else
#include <stddef.h>
#endif

// ---- The C API ----
// Strings come back in the caller's buffer, truncated to fit and always NUL-terminated
// (nothing is written when size is 0); the return value says what the whole text needed.

// hotswap::start(): 0 when the runtime is ready, -1 if not (hotswap_last_message says why).
int hotswap_start(void);
// hotswap::apply(path): 0 when applied, -1 when refused; `message` gets the answer.
int hotswap_apply(const char* path, char* message, size_t size);
// hotswap::revert(): 0 when reverted, -1 when not; `message` gets the answer.
int hotswap_revert(char* message, size_t size);
// The build-id (hex) of the version now running; returns its length.
size_t hotswap_current_version(char* buffer, size_t size);
// The message of the calling thread's last hotswap_start/apply/revert; returns its length.
size_t hotswap_last_message(char* buffer, size_t size);
// hotswap::update_point(), hotswap::wake_fd() and an idle_scope, for C (docs/type-updates.md).
void hotswap_update_point(void);
int hotswap_wake_fd(void);
void hotswap_idle_enter(void);
void hotswap_idle_leave(void);

#ifdef __cplusplus
}  // extern "C"

namespace hotswap {

// The outcome of apply() and revert().
struct Result {
  bool ok = false;
  std::string message;        // "applied v1 -> v2: 3 functions redirected" or the refusal
  std::uint64_t pause_ns = 0;  // length of the commit pause, 0 if nothing was committed
  explicit operator bool() const { return ok; }
};

// One entry of the version chain: the base, then one per applied patch.
struct Version {
  std::string build_id;   // hex build-id of the release this version is
  std::string patch_id;   // empty for the base
  std::string patch_path;
  std::uint64_t pause_ns = 0;
  std::size_t functions_redirected = 0;  // entries redirected: a function changed again
                                         // counts its base entry and each earlier copy
  std::string migrated;            // what the patch moved to a new type, "" if nothing:
                                   // "g_bank (Bank, 80 -> 88 bytes), ..."
  std::uint64_t quiescence_ns = 0;  // how long its apply waited for a safe moment
  std::string key_id;               // the key that signed the patch, "" if unsigned
};

// Who may change the process, and with which patches (docs/signing.md). Fixed by the first
// start(); what a field leaves at its default, the environment may set.
struct StartOptions {
  // The trust policy: public keys ("hotswap-ed25519 HEX" lines, as in a KEY.pub that
  // `hotswap keygen` wrote) whose signatures the process accepts, and a file of such lines.
  // With any key, a keys file, or require_signatures, a patch that is unsigned, signed by
  // another key, or altered since it was signed is refused before any of it is mapped; a
  // policy with no key refuses every patch. Both empty: the file $HOTSWAP_TRUSTED_KEYS names.
  std::vector<std::string> trusted_keys;
  std::string trusted_keys_file;
  bool require_signatures = false;  // or $HOTSWAP_REQUIRE_SIGNATURES=1
  // Who may apply and revert over the control socket, which only the process's user and
  // root can reach at all: a peer whose uid is listed, or one of whose groups is. Both
  // empty: $HOTSWAP_ALLOWED_UIDS and $HOTSWAP_ALLOWED_GIDS (comma-separated numbers), and
  // if those are unset too, the process's user and root.
  std::vector<unsigned> allowed_uids;
  std::vector<unsigned> allowed_gids;
  // false (or $HOTSWAP_CONTROL=off): no control socket; only the program's own apply().
  bool control_plane = true;
};

// Reads the running image (symbols, build-id, patchable entries) so that the first patch
// stages quickly, fixes the trust policy, and starts the control plane. Safe to call more
// than once; a later call with the same options or none does nothing. Other options than
// those that fixed the policies (or any, after an apply() before the first start fixed
// them from the environment) fail the call, and the process refuses every patch from then
// on rather than run without the policy it asked for. A trust policy that cannot be
// read (a missing or malformed keys file) fails the start, and the process then refuses
// every patch rather than accept unsigned ones.
Result start();
Result start(const StartOptions& options);

// Loads the patch at `path`, verifies it against the running version, links it and commits
// it: every call of a changed function made after apply() returns runs the new code.
// A refused patch leaves the process exactly as it was.
// Thread-safe; patches are applied one at a time.
Result apply(const std::string& path);

// Undoes the last applied patch: the previous version's code runs again. Memory of the
// reverted patch stays mapped (an activation may still be running in it).
Result revert();

// The build-id (hex) of the version now running. Once the runtime has started, this and
// versions() read a snapshot the runtime publishes at each commit and revert: they take no
// lock, so a thread that asks in the middle of its work (a status page) never waits for a
// patch being staged, nor stands in an update's way.
std::string current_version();

// The chain from the base to the running version.
std::vector<Version> versions();

namespace detail {
extern std::atomic<bool> update_pending;
extern thread_local bool takes_part;  // this thread called update_point() or idle_scope
void update_point_slow() noexcept;
}  // namespace detail

// A place where the calling thread holds no state (and no pointer to state) that a patch
// may change the type of. The first call makes the thread take part in updates: from then
// on a patch that moves state waits until the thread is here (or in an idle_scope), and
// the thread waits here until the patch has committed or was refused.
// Costs a relaxed load and a thread-local test when nothing is pending.
inline void update_point() noexcept {
  if (__builtin_expect(detail::update_pending.load(std::memory_order_relaxed) || !detail::takes_part, false)) {
    detail::update_point_slow();
  }
}

// A file descriptor that becomes readable when an update waits for update points; an
// event loop adds it to its epoll set. -1 until start() has been called.
int wake_fd() noexcept;

// Marks a region where the calling thread blocks (epoll_wait, accept) and holds no state a
// patch could change: an update that moves state may commit while a thread is inside, and
// a thread leaving the region while one commits waits for its end. Entering makes the
// thread take part in updates (see update_point).
class idle_scope {
 public:
  idle_scope() noexcept;
  ~idle_scope();
  idle_scope(const idle_scope&) = delete;
  idle_scope& operator=(const idle_scope&) = delete;
};

}  // namespace hotswap
#endif  // __cplusplus

// Defines a function of a release that runs once when a patch carrying it commits: after
// the state moved and the entries were redirected, while the threads that take part in
// updates are still held when the patch moved state (docs/type-updates.md). It must not
// call the hotswap API. It is where the program re-registers what
// the runtime cannot move: a pointer the kernel keeps (epoll_event.data.ptr), a callback a
// library keeps. It runs only from a patch that carries its translation unit (one whose code
// or data changed), never on revert; an exception it throws is caught and reported.
//   HOTSWAP_AFTER_UPDATE(rearm_connections) { for (auto& c : g_connections) rearm(c); }
#ifdef __cplusplus
#define HOTSWAP_AFTER_UPDATE(name) extern "C" void hotswap_after_update_##name()
#else
#define HOTSWAP_AFTER_UPDATE(name) void hotswap_after_update_##name(void)
#endif

// Put on the body of a long-running loop so that the next iteration calls the new code
// after a patch (the caller itself may stay on the stack forever).
#define HOTSWAP_LOOP_BODY __attribute__((noinline))
