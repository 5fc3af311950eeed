// Pure functions over header values; the handler decides the order (RFC 9110 13.2.2).
#include "preconditions.h"

#include <strings.h>

#include "http_date.h"

namespace httpd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_weak(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

// Parses decimal digits; false on empty, non-digit or overflow.
bool parse_u64(std::string_view s, std::uint64_t* value) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *value = v;
  return true;
}

}  // namespace

bool none_match_hits(std::string_view if_none_match, std::string_view etag) {
  std::string_view list = trim(if_none_match);
  if (list == "*") return true;
  std::string_view ours = strip_weak(etag);
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view tag = trim(list.substr(0, comma));
    if (strip_weak(tag) == ours) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool not_modified_since(std::string_view if_modified_since, std::time_t mtime) {
  std::optional<std::time_t> since = parse_http_date(trim(if_modified_since));
  return since.has_value() && mtime <= *since;
}

bool if_range_holds(std::string_view if_range, std::string_view etag,
                    std::string_view last_modified) {
  std::string_view v = trim(if_range);
  if (!v.empty() && v.front() == '"') return v == etag;  // strong comparison only
  return v == last_modified;
}

RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange* range) {
  std::string_view v = trim(header);
  if (v.size() < 6 || strncasecmp(v.data(), "bytes=", 6) != 0) return RangeResult::kIgnore;
  v = trim(v.substr(6));
  if (v.find(',') != std::string_view::npos) return RangeResult::kIgnore;
  std::size_t dash = v.find('-');
  if (dash == std::string_view::npos) return RangeResult::kIgnore;
  std::string_view first_text = trim(v.substr(0, dash));
  std::string_view last_text = trim(v.substr(dash + 1));
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (first_text.empty()) {  // suffix range: the last N bytes
    std::uint64_t suffix = 0;
    if (!parse_u64(last_text, &suffix)) return RangeResult::kIgnore;
    if (suffix == 0 || size == 0) return RangeResult::kUnsatisfiable;
    if (suffix > size) suffix = size;
    range->first = size - suffix;
    range->length = suffix;
    return RangeResult::kSatisfiable;
  }
  if (!parse_u64(first_text, &first)) return RangeResult::kIgnore;
  bool to_end = last_text.empty();
  if (!to_end && (!parse_u64(last_text, &last) || last < first)) return RangeResult::kIgnore;
  if (first >= size) return RangeResult::kUnsatisfiable;
  if (to_end || last >= size) last = size - 1;
  range->first = first;
  range->length = last - first + 1;
  return RangeResult::kSatisfiable;
}

}  // namespace httpd
