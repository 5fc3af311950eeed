// The order of checks follows RFC 9110 13.2.2: If-None-Match, else If-Modified-Since, then
// Range (guarded by If-Range).
#include "handler.h"

#include "path_resolver.h"
#include "preconditions.h"
#include "status_page.h"

namespace httpd {
namespace {

int status_for_target_error(TargetError error) {
  switch (error) {
    case TargetError::kBadRequest:
      return 400;
    case TargetError::kForbidden:
      return 403;
    default:
      return 404;
  }
}

bool is_status_target(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  return path == kStatusPath;
}

Response redirect_to_directory(const TargetPath& target, ByteBuffer* location) {
  location->clear();
  location->append('/');
  append_encoded_path(location, target.path);
  location->append('/');
  if (!target.query.empty()) {
    location->append('?');
    for (unsigned char c : target.query) {  // already URI characters; keep their meaning
      if (c > 0x20 && c < 0x7f) {
        location->append(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        location->append('%');
        location->append(kHex[c >> 4]);
        location->append(kHex[c & 15]);
      }
    }
  }
  Response r = error_response(301, false);
  r.location = location->view();
  return r;
}

// A 200, 206, 304 or 416 for a file the cache found; takes over `file`'s reference.
Response file_response(const Request& q, const char* base, FileEntry* file) {
  Response r;
  r.file = file;
  if (!q.if_none_match.empty()) {
    if (none_match_hits(span_view(base, q.if_none_match), file->etag)) r.status = 304;
  } else if (!q.if_modified_since.empty() &&
             not_modified_since(span_view(base, q.if_modified_since), file->mtime)) {
    r.status = 304;
  }
  if (r.status == 304) {
    r.send_body = false;
    return r;
  }
  r.body_length = file->size;
  if (!q.range.empty() &&
      (q.if_range.empty() ||
       if_range_holds(span_view(base, q.if_range), file->etag, file->last_modified_view()))) {
    ByteRange range;
    switch (parse_range(span_view(base, q.range), file->size, &range)) {
      case RangeResult::kSatisfiable:
        r.status = 206;
        r.body_offset = range.first;
        r.body_length = range.length;
        r.content_range = true;
        r.total_size = file->size;
        break;
      case RangeResult::kUnsatisfiable: {
        Response e = error_response(416, false);
        e.content_range = true;
        e.total_size = file->size;
        release(file);
        return e;
      }
      case RangeResult::kIgnore:
        break;
    }
  }
  return r;
}

Response decide(const Request& q, const char* base, HandlerContext& ctx) {
  if (q.method == Method::kOther) {
    Response r = error_response(405, false);
    r.allow = true;
    return r;
  }
  std::string_view target = span_view(base, q.target);
  if (is_status_target(target)) {
    render_status(*ctx.stats, ctx.status_body);
    Response r;
    r.inline_body = *ctx.status_body;
    r.body_length = r.inline_body.size();
    r.content_type = "application/json";
    return r;
  }
  TargetPath path;
  TargetError error = parse_target(target, ctx.path_scratch, &path);
  if (error != TargetError::kNone) return error_response(status_for_target_error(error), false);
  Lookup found = ctx.cache->lookup(path.path, path.directory_form, ctx.now_ms);
  if (found.status == 301) return redirect_to_directory(path, ctx.location);
  if (found.status != 200) return error_response(found.status, false);
  return file_response(q, base, found.entry);
}

}  // namespace

Response handle_request(const Request& q, const char* base, HandlerContext& ctx) {
  Response r = decide(q, base, ctx);
  // A 400 means the client and we disagree about the request: do not read on.
  r.close = r.close || !q.keep_alive || q.has_body || ctx.shutting_down || r.status == 400;
  r.keep_alive_header = !r.close && q.version_minor == 0;
  if (q.method == Method::kHead) r.send_body = false;
  return r;
}

}  // namespace httpd
