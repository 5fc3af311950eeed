// The command line of hotswap-httpd.
#pragma once

#include <cstdint>
#include <string>

#include "expected.h"

namespace httpd {

struct Options {
  std::string root;
  std::string listen;  // "ADDR:PORT", "[v6]:PORT" or "*:PORT"; port 0 picks a free port
  int threads = 1;
  std::string access_log;  // empty: no access log
  int max_connections = 10000;
  int header_timeout_ms = 10000;    // from a request's first byte (or accept) to its end
  int idle_timeout_ms = 60000;      // keep-alive wait, and a write that makes no progress
  int shutdown_timeout_ms = 10000;  // how long SIGTERM waits for responses in flight
  std::uint64_t cache_max_file_bytes = 8 * 1024;     // larger files are sent with sendfile
  std::uint64_t cache_max_bytes = 64 * 1024 * 1024;  // per worker thread
  int cache_max_entries = 4096;                      // per worker thread
  int cache_revalidate_ms = 1000;  // a cached file is stat()ed again after this long
};

// Parses argv. On --help the Error's message is the usage text and *help is set.
Expected<Options> parse_options(int argc, char** argv, bool* help);

std::string usage();

}  // namespace httpd
