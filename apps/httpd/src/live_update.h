// Every call into the hotswap runtime is in live_update.cc. Built with
// HOTSWAP_HTTPD_STATIC=1 (hotswap-httpd-static) they are no-ops, so the two binaries differ
// only by what live updating costs.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <vector>

#if HOTSWAP_HTTPD_STATIC
// The same code shape as the updateable build: the loop body stays a real call.
#define HTTPD_LOOP_BODY __attribute__((noinline))
#else
#include <hotswap/hotswap.h>
#define HTTPD_LOOP_BODY HOTSWAP_LOOP_BODY
#endif

namespace httpd::live {

struct VersionInfo {
  std::string build_id;
  std::string patch_id;
  std::uint64_t pause_ns = 0;
  std::uint64_t functions_redirected = 0;
  std::string migrated;  // what the patch moved to new types, "" if nothing
  std::uint64_t quiescence_ns = 0;
};

// True in the updateable build.
bool enabled();

// Starts the runtime (control socket). Returns an error message, or "" on success.
std::string start();

// A safe point of the calling thread; cheap when no update is pending.
void update_point();

// A descriptor that becomes readable when an update waits for update points, or -1.
int wake_fd();

// epoll_wait inside the runtime's idle region, so that an update may commit while this
// thread blocks.
int wait(int epoll_fd, struct epoll_event* events, int max_events, int timeout_ms);

// The version running now (hex build-id), "" in the static build.
std::string current_version();

// The chain from the base version to the running one; empty in the static build.
std::vector<VersionInfo> versions();

}  // namespace httpd::live
