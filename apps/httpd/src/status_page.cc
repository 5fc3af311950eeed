// Built on request, off the hot path; small enough to write JSON by hand.
#include "status_page.h"

#include <cstdio>

#include "live_update.h"

namespace httpd {
namespace {

void append_json_string(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out->append(escaped);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

}  // namespace

void render_status(const ServerStats& stats, std::string* out) {
  std::uint64_t requests = 0, accepted = 0, open = 0;
  for (const auto& w : stats.workers) {
    requests += w->requests.load(std::memory_order_relaxed);
    accepted += w->accepted.load(std::memory_order_relaxed);
    open += w->open.load(std::memory_order_relaxed);
  }
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stats.started).count();
  char numbers[256];
  std::snprintf(numbers, sizeof numbers,
                "\"uptime_seconds\":%.3f,\"requests\":%llu,\"connections\":{\"open\":%llu,"
                "\"accepted\":%llu},\"threads\":%zu,",
                uptime, static_cast<unsigned long long>(requests),
                static_cast<unsigned long long>(open), static_cast<unsigned long long>(accepted),
                stats.workers.size());
  out->assign("{\"server\":\"hotswap-httpd\",\"updateable\":");
  out->append(live::enabled() ? "true," : "false,");
  out->append(numbers);
  out->append("\"version\":");
  append_json_string(out, live::current_version());
  out->append(",\"versions\":[");
  bool first = true;
  for (const live::VersionInfo& v : live::versions()) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"build_id\":");
    append_json_string(out, v.build_id);
    out->append(",\"patch_id\":");
    append_json_string(out, v.patch_id);
    std::snprintf(numbers, sizeof numbers, ",\"pause_ns\":%llu,\"quiescence_ns\":%llu,\"functions_redirected\":%llu",
                  static_cast<unsigned long long>(v.pause_ns), static_cast<unsigned long long>(v.quiescence_ns),
                  static_cast<unsigned long long>(v.functions_redirected));
    out->append(numbers);
    if (!v.migrated.empty()) {  // a release that changed the types of live state
      out->append(",\"migrated\":");
      append_json_string(out, v.migrated);
    }
    out->push_back('}');
  }
  out->append("]}\n");
}

}  // namespace httpd
