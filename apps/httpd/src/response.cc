// The head of a file response is mostly preformatted: the Date is formatted once per
// second and a cached file's Content-Type, Last-Modified and ETag once per file.
#include "response.h"

namespace httpd {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string_view error_page(int status) {
#define HTTPD_PAGE(code, text)                                                    \
  "<html><head><title>" #code " " text "</title></head><body><h1>" #code " " text \
  "</h1></body></html>\n"
  switch (status) {
    case 301:
      return HTTPD_PAGE(301, "Moved Permanently");
    case 400:
      return HTTPD_PAGE(400, "Bad Request");
    case 403:
      return HTTPD_PAGE(403, "Forbidden");
    case 404:
      return HTTPD_PAGE(404, "Not Found");
    case 405:
      return HTTPD_PAGE(405, "Method Not Allowed");
    case 408:
      return HTTPD_PAGE(408, "Request Timeout");
    case 414:
      return HTTPD_PAGE(414, "URI Too Long");
    case 416:
      return HTTPD_PAGE(416, "Range Not Satisfiable");
    case 431:
      return HTTPD_PAGE(431, "Request Header Fields Too Large");
    case 501:
      return HTTPD_PAGE(501, "Not Implemented");
    case 503:
      return HTTPD_PAGE(503, "Service Unavailable");
    case 505:
      return HTTPD_PAGE(505, "HTTP Version Not Supported");
    default:
      return HTTPD_PAGE(500, "Internal Server Error");
  }
#undef HTTPD_PAGE
}

Response error_response(int status, bool close) {
  Response r;
  r.status = status;
  r.inline_body = error_page(status);
  r.body_length = r.inline_body.size();
  r.content_type = "text/html; charset=utf-8";
  r.close = close;
  return r;
}

void write_response_head(const Response& r, std::string_view date, ByteBuffer* out) {
  out->append("HTTP/1.1 ");
  out->append_decimal(static_cast<std::uint64_t>(r.status));
  out->append(' ');
  out->append(reason_phrase(r.status));
  out->append("\r\nServer: hotswap-httpd\r\nDate: ");
  out->append(date);
  out->append("\r\n");
  if (r.file != nullptr) {
    out->append(r.status == 304 ? r.file->validators() : std::string_view(r.file->headers));
  } else if (!r.content_type.empty()) {
    out->append("Content-Type: ");
    out->append(r.content_type);
    out->append("\r\n");
  }
  if (r.status != 304) {
    out->append("Content-Length: ");
    out->append_decimal(r.body_length);
    out->append("\r\n");
  }
  if (r.content_range) {
    out->append("Content-Range: bytes ");
    if (r.status == 416) {
      out->append('*');
    } else {
      out->append_decimal(r.body_offset);
      out->append('-');
      out->append_decimal(r.body_offset + r.body_length - 1);
    }
    out->append('/');
    out->append_decimal(r.total_size);
    out->append("\r\n");
  }
  if (!r.location.empty()) {
    out->append("Location: ");
    out->append(r.location);
    out->append("\r\n");
  }
  if (r.allow) out->append("Allow: GET, HEAD\r\n");
  if (r.close) {
    out->append("Connection: close\r\n");
  } else if (r.keep_alive_header) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace httpd
