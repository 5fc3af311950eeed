// The updateable build's only contact with the hotswap runtime (include/hotswap/hotswap.h).
#include "live_update.h"

namespace httpd::live {

#if HOTSWAP_HTTPD_STATIC

bool enabled() { return false; }
std::string start() { return ""; }
void update_point() {}
int wake_fd() { return -1; }
int wait(int epoll_fd, struct epoll_event* events, int max_events, int timeout_ms) {
  return epoll_wait(epoll_fd, events, max_events, timeout_ms);
}
std::string current_version() { return ""; }
std::vector<VersionInfo> versions() { return {}; }

#else

bool enabled() { return true; }

std::string start() {
  hotswap::Result result = hotswap::start();
  return result ? "" : result.message;
}

void update_point() { hotswap::update_point(); }

int wake_fd() { return hotswap::wake_fd(); }

int wait(int epoll_fd, struct epoll_event* events, int max_events, int timeout_ms) {
  hotswap::idle_scope idle;
  return epoll_wait(epoll_fd, events, max_events, timeout_ms);
}

std::string current_version() { return hotswap::current_version(); }

std::vector<VersionInfo> versions() {
  std::vector<VersionInfo> chain;
  for (const hotswap::Version& v : hotswap::versions()) {
    chain.push_back(VersionInfo{v.build_id, v.patch_id, v.pause_ns, v.functions_redirected, v.migrated,
                                v.quiescence_ns});
  }
  return chain;
}

#endif

}  // namespace httpd::live
