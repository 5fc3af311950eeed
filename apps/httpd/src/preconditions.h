// Conditional and range requests (RFC 9110 13 and 14) for static files.
#pragma once

#include <cstdint>
#include <ctime>
#include <string_view>

namespace httpd {

// If-None-Match: true if any entity-tag in the list matches `etag` by weak comparison,
// or the list is "*".
bool none_match_hits(std::string_view if_none_match, std::string_view etag);

// If-Modified-Since: true if the date parses and the file is not newer. Unparseable dates
// are ignored (false).
bool not_modified_since(std::string_view if_modified_since, std::time_t mtime);

// If-Range: true if the validator is the strong `etag` or exactly `last_modified`, i.e.
// the Range header applies.
bool if_range_holds(std::string_view if_range, std::string_view etag,
                    std::string_view last_modified);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

enum class RangeResult {
  kIgnore,         // no usable Range (absent, malformed, several ranges): send everything
  kSatisfiable,    // send `range` with 206
  kUnsatisfiable,  // 416
};

// Parses a single "bytes=first-last", "bytes=first-" or "bytes=-suffix" against a
// representation of `size` bytes. Multiple ranges are answered with the whole file.
RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange* range);

}  // namespace httpd
