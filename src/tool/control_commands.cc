// `hotswap apply | status | revert | log | list`: the control commands and how they print.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/control_protocol.h"
#include "common/control_socket.h"
#include "tool/commands.h"
#include "tool/control_client.h"

namespace hotswap {
namespace {

using nlohmann::json;

int report_failure(const std::string& error, int exit_code, bool as_json) {
  if (as_json)
    std::cout << json{{"ok", false}, {"message", error}}.dump(1) << "\n";
  else
    std::cerr << "hotswap: " << error << "\n";
  return exit_code;
}

// Prints the answer. A field of an unexpected type is the program's protocol error, not a
// crash of the tool.
int finish(const Reply& r, bool as_json, const std::function<void(const json&)>& print) {
  if (!r.error.empty()) return report_failure(r.error, r.exit_code, as_json);
  try {
    if (as_json)
      std::cout << r.body.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    else if (r.exit_code != kExitDone)
      std::cerr << "hotswap: " << r.body.value("message", "refused") << "\n";
    else
      print(r.body);
  } catch (const json::exception& e) {
    return report_failure(std::string("protocol error: unexpected answer: ") + e.what(),
                          kExitProtocolError, as_json);
  }
  return r.exit_code;
}

std::string micros(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

void print_chain(const json& body) {
  std::cout << "pid " << body.value("pid", 0) << "  version " << body.value("version", "") << "\n";
  if (!body.value("trust", "").empty()) std::cout << "  trust   " << body.value("trust", "") << "\n";
  if (!body.value("access", "").empty()) std::cout << "  access  " << body.value("access", "") << "\n";
  json chain = body.value("chain", json::array());
  std::size_t length = body.value("chain_length", chain.size());
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const json& v = chain[i];
    if (i == 0) {
      std::cout << "  base    " << v.value("build_id", "") << "  " << v.value("path", "") << "\n";
      if (length > chain.size())
        std::cout << "  ... " << length - chain.size() << " earlier patches not shown\n";
    } else {
      std::cout << "  patch   " << v.value("build_id", "") << "  " << v.value("path", "") << "  ("
                << v.value("functions_redirected", 0) << " entries, pause "
                << micros(v.value("pause_ns", 0ULL)) << ", "
                << (v.value("key_id", "").empty() ? "unsigned" : "key " + v.value("key_id", "")) << ")\n";
      if (v.contains("migrated"))
        std::cout << "          moved " << v.value("migrated", "") << " after waiting "
                  << micros(v.value("quiescence_ns", 0ULL)) << " for quiescence\n";
    }
  }
}

void print_log(const json& body) {
  json entries = body.value("entries", json::array());
  if (!entries.empty() && entries[0].value("seq", 1ULL) > 1 && !body.value("more", false))
    std::cout
        << "(" << entries[0].value("seq", 1ULL) - 1
        << " older entries are no longer kept in memory; $HOTSWAP_JOURNAL keeps every entry)\n";
  for (const json& e : entries) {
    std::time_t t = e.value("time_ms", 0LL) / 1000;
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    std::cout << when << "  " << e.value("action", "")
              << (e.value("ok", false) ? "  ok      " : "  refused ") << e.value("message", "");
    if (e.value("pause_ns", 0ULL))
      std::cout << "  (pause " << micros(e.value("pause_ns", 0ULL)) << ")";
    std::cout << "\n";
  }
}

// The log arrives in pages of what fits in a frame, newest first: asks for older pages
// until `last` entries (0: all the program keeps) are in, and gives them as one answer.
Reply ask_log(pid_t pid, std::uint64_t last) {
  json entries = json::array();
  json request = {{"op", "log"}};
  for (;;) {
    if (last) request["limit"] = last - entries.size();
    Reply page = ask(pid, request);
    if (!page.error.empty() || page.exit_code != kExitDone) return page;
    json got = page.body.value("entries", json::array());
    if (!got.is_array()) got = json::array();
    got.insert(got.end(), entries.begin(), entries.end());
    entries = std::move(got);
    bool more = page.body.value("more", false);
    std::uint64_t oldest = entries.empty() ? 0 : entries[0].value("seq", 0ULL);
    // A page that brings nothing older ends it, whatever `more` says.
    bool progressed = oldest > 0 && (!request.contains("before") ||
                                     oldest < request["before"].get<std::uint64_t>());
    if (!more || !progressed || (last && entries.size() >= last)) {
      page.body["entries"] = std::move(entries);
      return page;
    }
    request["before"] = oldest;
  }
}

}  // namespace

int run_control(const ControlOptions& o) {
  if (o.command == "list") return run_list(o.json);
  if (o.command == "log") {
    Reply r;
    try {
      r = ask_log(o.pid, o.last);
    } catch (const json::exception& e) {
      return report_failure(std::string("protocol error: unexpected answer: ") + e.what(),
                            kExitProtocolError, o.json);
    }
    return finish(r, o.json, print_log);
  }
  json request;
  if (o.command == "apply") {
    std::error_code ec;
    std::string path = std::filesystem::absolute(o.patch, ec).string();
    request = {{"op", "apply"}, {"path", path}, {"wait", !o.no_wait}};
  } else {
    request = {{"op", o.command}};
  }
  if (o.command == "revert" && !o.only_patch.empty()) {
    auto id = patch_id_argument(o.only_patch);
    if (!id) return report_failure(id.error().message, kExitUsage, o.json);
    request["patch"] = *id;
  }
  if (o.timeout_ms && (o.command == "apply" || o.command == "revert")) request["timeout_ms"] = o.timeout_ms;
  Reply r = ask(o.pid, request, std::chrono::milliseconds(o.timeout_ms));
  return finish(r, o.json, [&](const json& body) {
    if (o.command == "status") {
      print_chain(body);
    } else {
      std::cout << body.value("message", "") << "\n";
      if (body.value("pause_ns", 0ULL))
        std::cout << "pause " << micros(body.value("pause_ns", 0ULL)) << "\n";
    }
  });
}

int run_list(bool as_json) {
  json out = json::array();
  if (auto dir = control_directory(false); dir) {
    if (auto lock = DirectoryLock::acquire(*dir, std::chrono::seconds(1)))
      remove_stale_sockets(*dir, *lock);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(*dir, ec)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".sock") continue;
      pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
      if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) continue;  // a dead process's socket
      Reply r = ask(pid, {{"op", "hello"}});
      if (r.exit_code != kExitDone) continue;
      try {
        json chain = r.body.value("chain", json::array());
        std::size_t patches = r.body.value("chain_length", chain.size());
        out.push_back({{"pid", pid},
                       {"version", r.body.value("version", "")},
                       {"program", chain.empty() ? "" : chain[0].value("path", "")},
                       {"patches", patches ? patches - 1 : 0}});
      } catch (const json::exception&) {
        continue;  // not a program of this protocol
      }
    }
  }
  if (as_json) {
    std::cout << out.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    for (const json& p : out)
      std::cout << p["pid"] << "  " << p["version"].get<std::string>().substr(0, 12) << "  "
                << p["patches"] << " patches  " << p["program"].get<std::string>() << "\n";
  }
  return kExitDone;
}

}  // namespace hotswap
