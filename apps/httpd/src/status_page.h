// GET /-/status: a JSON snapshot of the server for operators and tests.
#pragma once

#include <string>

#include "stats.h"

namespace httpd {

constexpr const char* kStatusPath = "/-/status";

// Replaces *out with
// {"server":"hotswap-httpd","updateable":B,"uptime_seconds":F,"requests":N,
//  "connections":{"open":N,"accepted":N},"threads":N,"version":S,
//  "versions":[{"build_id":S,"patch_id":S,"pause_ns":N,"functions_redirected":N},...]}
void render_status(const ServerStats& stats, std::string* out);

}  // namespace httpd
