// Plain argv parsing: both builds of the server must not need more than libc and llhttp.
#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace httpd {
namespace {

bool parse_int(const std::string& text, long min, long max, long* value) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < min || v > max) return false;
  *value = v;
  return true;
}

bool parse_seconds(const std::string& text, int* ms) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || *end != '\0' || !(v > 0) || v > 86400) return false;
  *ms = static_cast<int>(std::ceil(v * 1000));
  return true;
}

}  // namespace

std::string usage() {
  return "usage: hotswap-httpd --root DIR --listen ADDR:PORT [--threads N] [--access-log FILE]\n"
         "         [--max-connections N] [--header-timeout SEC] [--idle-timeout SEC]\n"
         "         [--shutdown-timeout SEC] [--cache-max-file BYTES] [--cache-size BYTES]\n"
         "Serves the files below DIR over HTTP/1.1 (GET and HEAD). --listen 127.0.0.1:0 picks\n"
         "a free port; the first line on stdout is \"listening on ADDR:PORT\".\n"
         "GET /-/status answers JSON: uptime, requests, connections and the version chain.\n";
}

Expected<Options> parse_options(int argc, char** argv, bool* help) {
  Options options;
  *help = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return Error{usage()};
    }
    if (i + 1 >= argc) return Error{"option " + std::string(flag) + " needs a value"};
    std::string value = argv[++i];
    long n = 0;
    auto bad = [&] { return Error{"bad value for " + std::string(flag) + ": '" + value + "'"}; };
    if (flag == "--root") {
      options.root = value;
    } else if (flag == "--listen") {
      options.listen = value;
    } else if (flag == "--access-log") {
      options.access_log = value;
    } else if (flag == "--threads") {
      if (!parse_int(value, 1, 256, &n)) return bad();
      options.threads = static_cast<int>(n);
    } else if (flag == "--max-connections") {
      if (!parse_int(value, 1, 1000000, &n)) return bad();
      options.max_connections = static_cast<int>(n);
    } else if (flag == "--header-timeout") {
      if (!parse_seconds(value, &options.header_timeout_ms)) return bad();
    } else if (flag == "--idle-timeout") {
      if (!parse_seconds(value, &options.idle_timeout_ms)) return bad();
    } else if (flag == "--shutdown-timeout") {
      if (!parse_seconds(value, &options.shutdown_timeout_ms)) return bad();
    } else if (flag == "--cache-max-file") {
      if (!parse_int(value, 0, 1L << 30, &n)) return bad();
      options.cache_max_file_bytes = static_cast<std::uint64_t>(n);
    } else if (flag == "--cache-size") {
      if (!parse_int(value, 0, 1L << 40, &n)) return bad();
      options.cache_max_bytes = static_cast<std::uint64_t>(n);
    } else {
      return Error{"unknown option " + std::string(flag) + "\n" + usage()};
    }
  }
  if (options.root.empty()) return Error{"--root is required\n" + usage()};
  if (options.listen.empty()) return Error{"--listen is required\n" + usage()};
  return options;
}

}  // namespace httpd
