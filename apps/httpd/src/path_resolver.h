// From a request target to a file below the document root, with no way out of the root:
// the path is percent-decoded first and then normalized, so "%2e%2e/" is a ".." like any
// other; ".." above the root is refused; a decoded NUL never reaches the file system; and
// the file is opened with openat2(RESOLVE_BENEATH), so a symlink that leads outside the
// root fails to open.
#pragma once

#include <string_view>

namespace httpd {

enum class TargetError { kNone, kBadRequest, kForbidden, kNotFound };

struct TargetPath {
  // Normalized, relative to the root, without leading or trailing '/'; "" is the root.
  std::string_view path;
  // The target ended in '/' (or a dot segment): it names a directory.
  bool directory_form = false;
  // The raw query (without '?'), kept for redirects.
  std::string_view query;
};

// Parses an origin-form or absolute-form target. The decoded path is written to
// `scratch`, which must hold target.size() + 2 bytes; out->path points into it and is
// followed by a NUL.
TargetError parse_target(std::string_view target, char* scratch, TargetPath* out);

// Opens `path` (relative, NUL-terminated, "." for the root itself) below `root_fd`,
// read-only and non-blocking. Returns the descriptor or -errno; a path that leaves the root
// through a symlink gives -EXDEV (or -ELOOP where openat2 is unavailable and symlinks are
// not followed at all).
int open_beneath(int root_fd, const char* path);

// The HTTP status for a failed open_beneath(): 404, 403 or 503.
int status_for_open_error(int negative_errno);

// Appends the percent-encoding of `path` for a Location header: everything but unreserved
// characters, sub-delims, ':', '@' and '/' is encoded, so no control byte can get through.
template <class Buffer>
void append_encoded_path(Buffer* out, std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : path) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
    if (plain) {
      out->append(static_cast<char>(c));
    } else {
      out->append('%');
      out->append(kHex[c >> 4]);
      out->append(kHex[c & 15]);
    }
  }
}

}  // namespace httpd
