// What to answer, as plain data (the handler decides it), and its serialization.
#pragma once

#include <cstdint>
#include <string_view>

#include "byte_buffer.h"
#include "file_cache.h"

namespace httpd {

struct Response {
  int status = 200;
  // The body is file->data or file->fd from body_offset; the Response owns one reference.
  FileEntry* file = nullptr;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;  // Content-Length (also for HEAD)
  // Or a body from memory that outlives the call that serializes it (error pages, JSON).
  std::string_view inline_body;
  std::string_view content_type;   // for inline bodies
  std::string_view location;       // 301
  bool send_body = true;           // false for HEAD and 304
  bool close = false;              // "Connection: close" and close after sending
  bool keep_alive_header = false;  // "Connection: keep-alive" (an HTTP/1.0 client asked)
  bool allow = false;              // 405: "Allow: GET, HEAD"
  bool content_range = false;      // 206 and 416 carry Content-Range
  std::uint64_t total_size = 0;    // the file size for Content-Range
};

// The status line's reason phrase.
std::string_view reason_phrase(int status);

// A small HTML page for an error status (a static string).
std::string_view error_page(int status);

// An error answer with a small HTML body.
Response error_response(int status, bool close);

// Appends the status line and headers of `response` to `out`.
void write_response_head(const Response& response, std::string_view date, ByteBuffer* out);

}  // namespace httpd
