// Target parsing is pure (unit-tested); opening is one openat2 call.
#include "path_resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace httpd {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strips "http://authority" from an absolute-form target (RFC 9112 3.2.2).
std::string_view origin_form(std::string_view target) {
  std::size_t scheme = 0;
  if (target.size() >= 7 && strncasecmp(target.data(), "http://", 7) == 0) scheme = 7;
  if (target.size() >= 8 && strncasecmp(target.data(), "https://", 8) == 0) scheme = 8;
  if (scheme == 0) return target;
  std::size_t slash = target.find('/', scheme);
  if (slash == std::string_view::npos) return "/";
  return target.substr(slash);
}

}  // namespace

TargetError parse_target(std::string_view target, char* scratch, TargetPath* out) {
  target = origin_form(target);
  std::size_t end = target.find_first_of("?#");
  std::string_view raw_path = target.substr(0, end);
  out->query = std::string_view();
  if (end != std::string_view::npos && target[end] == '?') {
    std::string_view rest = target.substr(end + 1);
    out->query = rest.substr(0, rest.find('#'));
  }
  if (raw_path.empty() || raw_path[0] != '/') return TargetError::kBadRequest;

  // 1. Percent-decode into scratch.
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '%') {
      if (i + 2 >= raw_path.size()) return TargetError::kBadRequest;
      int hi = hex_value(raw_path[i + 1]);
      int lo = hex_value(raw_path[i + 2]);
      if (hi < 0 || lo < 0) return TargetError::kBadRequest;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return TargetError::kNotFound;
    scratch[n++] = c;
  }

  // 2. Remove dot segments in place (the output never overtakes the input). A path that
  // ends in '/', "." or ".." names a directory.
  std::size_t w = 0;
  bool directory_form = true;
  std::size_t i = 0;
  while (i < n) {
    while (i < n && scratch[i] == '/') ++i;
    std::size_t start = i;
    while (i < n && scratch[i] != '/') ++i;
    std::string_view segment(scratch + start, i - start);
    directory_form = true;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (w == 0) return TargetError::kForbidden;
      while (w > 0 && scratch[w - 1] != '/') --w;
      if (w > 0) --w;  // the '/' before the popped segment
      continue;
    }
    directory_form = i < n;  // a '/' follows the segment
    if (w > 0) scratch[w++] = '/';
    std::memmove(scratch + w, segment.data(), segment.size());
    w += segment.size();
  }
  scratch[w] = '\0';
  out->path = std::string_view(scratch, w);
  out->directory_form = directory_form;
  return TargetError::kNone;
}

int open_beneath(int root_fd, const char* path) {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  static std::atomic<bool> have_openat2{true};
  if (have_openat2.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = kFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS && errno != EPERM) return -errno;
    have_openat2.store(false, std::memory_order_relaxed);
  }
  // Without openat2 (old kernel, seccomp filter): walk the components and follow no
  // symlink at all. The path is already normalized, so it has no "..".
  std::string rest = path;
  int dir = dup(root_fd);
  if (dir < 0) return -errno;
  std::size_t pos = 0;
  for (;;) {
    std::size_t slash = rest.find('/', pos);
    std::string component = rest.substr(pos, slash == std::string::npos ? slash : slash - pos);
    int fd = openat(dir, component.c_str(), kFlags | O_NOFOLLOW);
    int saved = errno;
    close(dir);
    if (fd < 0) return -saved;
    if (slash == std::string::npos) return fd;
    dir = fd;
    pos = slash + 1;
  }
}

int status_for_open_error(int negative_errno) {
  switch (-negative_errno) {
    case EXDEV:
    case ELOOP:
    case EACCES:
    case EPERM:
      return 403;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return 503;
    default:
      return 404;
  }
}

}  // namespace httpd
