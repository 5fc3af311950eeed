// Decides the answer to one parsed request: the status page, a file (whole, 304, 206 or
// 416), a redirect to a directory's '/' form, or an error. Pure decision, no I/O beyond the
// file cache's opens.
#pragma once

#include <cstdint>
#include <string>

#include "byte_buffer.h"
#include "file_cache.h"
#include "request.h"
#include "response.h"
#include "stats.h"

namespace httpd {

// Per-worker scratch space and services the handler uses; the strings a Response points
// to live here until the next request.
struct HandlerContext {
  FileCache* cache = nullptr;
  const ServerStats* stats = nullptr;
  std::int64_t now_ms = 0;
  bool shutting_down = false;
  char* path_scratch = nullptr;  // holds a decoded target: kMaxTargetBytes + 2 bytes
  ByteBuffer* location = nullptr;
  std::string* status_body = nullptr;
};

// `base` is the buffer the request's spans point into.
Response handle_request(const Request& request, const char* base, HandlerContext& ctx);

}  // namespace httpd
