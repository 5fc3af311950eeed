// `hotswap apply|status|revert --all BINARY`: one request to every process that runs a
// build, many at a time, a line for each process and a summary (docs/fleet.md).
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/elf_file.h"
#include "common/patch_identity.h"
#include "tool/commands.h"
#include "tool/control_client.h"
#include "tool/process_scan.h"
#include "tool/target_socket.h"

namespace hotswap {
namespace {

using nlohmann::json;

// What happened to one process.
enum class Outcome { kApplied, kAlready, kLeft, kReverted, kSkipped, kShown, kFailed };

const char* outcome_word(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kAlready: return "already";
    case Outcome::kLeft: return "left";
    case Outcome::kReverted: return "reverted";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kShown: return "status";
    case Outcome::kFailed: return "failed";
  }
  return "failed";
}

struct ProcessResult {
  pid_t pid = 0;
  Outcome outcome = Outcome::kFailed;
  std::string message;
};

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// The newest version of a status answer's chain: {patch_id, key_id} ("" for the base).
struct Top {
  std::string patch_id, key_id, version;
  std::size_t patches = 0;
};
Top top_of(const json& status) {
  Top top;
  top.version = status.value("version", "");
  json chain = status.value("chain", json::array());
  std::size_t length = status.value("chain_length", chain.size());
  top.patches = length ? length - 1 : 0;
  if (chain.is_array() && chain.size() > 1) {
    top.patch_id = chain.back().value("patch_id", "");
    top.key_id = chain.back().value("key_id", "");
  }
  return top;
}

std::string reply_error(const Reply& r) {
  if (!r.error.empty()) return r.error;
  return r.body.value("message", "refused");
}

// The state shared by the workers.
struct Run {
  const FleetOptions& options;
  std::string patch_path;  // absolute
  std::string patch_id;    // apply: the patch's; revert: the filter ("" for none)
  std::map<std::uint64_t, std::string> listening;
  std::atomic<std::uint64_t> claimed{0};  // apply: processes changed so far, for --limit
};

ProcessResult serve_one(Run& run, pid_t pid) {
  ProcessResult result{pid, Outcome::kFailed, ""};
  auto socket = find_control_socket(pid, &run.listening);
  if (!socket) {
    result.message = "unreachable: " + socket.error().message;  // kFailed
    return result;
  }
  auto waits = std::chrono::milliseconds(run.options.timeout_ms);
  Reply status = ask_at(pid, *socket, {{"op", "status"}});
  if (status.exit_code != kExitDone) {
    result.message = reply_error(status);
    return result;
  }
  Top top = top_of(status.body);
  const std::string& command = run.options.command;
  if (command == "status") {
    result.outcome = Outcome::kShown;
    result.message = "version " + short_id(top.version) + "  " + std::to_string(top.patches) + " patches" +
                     (top.patch_id.empty() ? std::string()
                                           : "  last " + short_id(top.patch_id) + " (" +
                                                 (top.key_id.empty() ? "unsigned" : "key " + top.key_id) + ")");
    return result;
  }
  if (command == "apply") {
    if (top.patch_id == run.patch_id) {
      result.outcome = Outcome::kAlready;
      result.message = "already at patch " + short_id(run.patch_id);
      return result;
    }
    if (run.options.limit && run.claimed.fetch_add(1) >= run.options.limit) {
      result.outcome = Outcome::kLeft;
      result.message = "left as it is (--limit " + std::to_string(run.options.limit) + ")";
      return result;
    }
    json request = {{"op", "apply"}, {"path", run.patch_path}, {"wait", true}};
    if (run.options.timeout_ms) request["timeout_ms"] = run.options.timeout_ms;
    Reply r = ask_at(pid, *socket, request, waits);
    result.outcome = r.exit_code == kExitDone ? Outcome::kApplied : Outcome::kFailed;
    result.message = r.exit_code == kExitDone ? r.body.value("message", "") : reply_error(r);
    return result;
  }
  // revert
  if (top.patch_id.empty() || (!run.patch_id.empty() && top.patch_id.rfind(run.patch_id, 0) != 0)) {
    result.outcome = Outcome::kSkipped;
    result.message = top.patch_id.empty() ? "skipped: it runs its base version"
                                          : "skipped: its last patch is " + short_id(top.patch_id);
    return result;
  }
  json request = {{"op", "revert"}};
  if (!run.patch_id.empty()) request["patch"] = run.patch_id;
  if (run.options.timeout_ms) request["timeout_ms"] = run.options.timeout_ms;
  Reply r = ask_at(pid, *socket, request, waits);
  result.outcome = r.exit_code == kExitDone ? Outcome::kReverted : Outcome::kFailed;
  result.message = r.exit_code == kExitDone ? r.body.value("message", "") : "refused: " + reply_error(r);
  return result;
}

}  // namespace

Expected<std::string> patch_id_argument(const std::string& given) {
  if (given.empty()) return std::string();
  std::error_code ec;
  if (std::filesystem::is_regular_file(given, ec)) {
    auto elf = ElfFile::open(given);
    if (!elf) return make_error("not a patch: " + elf.error().message);
    auto identity = identify_patch(*elf, given);
    if (!identity) return identity.error();
    return identity->manifest.patch_id;
  }
  if (given.size() < 12 || given.size() > 64 || given.find_first_not_of("0123456789abcdef") != std::string::npos)
    return make_error("--patch " + given + ": neither a patch file nor 12 to 64 hex digits of a patch id");
  return given;
}

int run_fleet(const FleetOptions& o) {
  auto fail = [&](const std::string& why) {
    if (o.json) std::cout << json{{"ok", false}, {"message", why}}.dump(1) << "\n";
    else std::cerr << "hotswap: " << why << "\n";
    return kExitRefused;
  };
  auto build = build_id_of(o.binary);
  if (!build) return fail(build.error().message);
  FleetOptions options = o;
  Run run{options, "", "", {}, {}};
  if (o.command == "apply") {
    // The patch is read here first: a patch no process could take fails once, not N times.
    auto elf = ElfFile::open(o.patch);
    if (!elf) return fail("not a patch: " + elf.error().message);
    auto identity = identify_patch(*elf, o.patch);
    if (!identity) return fail(identity.error().message);
    run.patch_id = identity->manifest.patch_id;
    std::error_code ec;
    run.patch_path = std::filesystem::absolute(o.patch, ec).string();
  } else if (o.command == "revert") {
    auto filter = patch_id_argument(o.patch);
    if (!filter) return fail(filter.error().message);
    run.patch_id = *filter;
  }
  std::vector<pid_t> pids = processes_running(*build);
  if (pids.empty())
    return fail("no process runs build " + short_id(*build) + " (" + o.binary + ") that this user may reach");
  run.listening = listening_unix_sockets_now();

  std::vector<ProcessResult> results(pids.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < pids.size();) {
      try {
        results[i] = serve_one(run, pids[i]);
      } catch (const std::exception& e) {  // a malformed answer: that process's failure
        results[i] = ProcessResult{pids[i], Outcome::kFailed, std::string("protocol error: ") + e.what()};
      }
    }
  };
  unsigned jobs = std::max(1u, std::min<unsigned>(o.jobs ? o.jobs : 32, static_cast<unsigned>(pids.size())));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();

  std::map<Outcome, std::size_t> counts;
  for (const ProcessResult& r : results) ++counts[r.outcome];
  bool all_ok = counts[Outcome::kFailed] == 0;
  std::string summary = std::to_string(results.size()) + " processes: ";
  std::vector<Outcome> shown = o.command == "apply"    ? std::vector{Outcome::kApplied, Outcome::kAlready, Outcome::kFailed, Outcome::kLeft}
                               : o.command == "revert" ? std::vector{Outcome::kReverted, Outcome::kSkipped, Outcome::kFailed}
                                                       : std::vector{Outcome::kShown, Outcome::kFailed};
  for (std::size_t i = 0; i < shown.size(); ++i)
    summary += (i ? ", " : "") + std::to_string(counts[shown[i]]) + " " +
               (shown[i] == Outcome::kShown ? "answered" : outcome_word(shown[i]));
  if (o.json) {
    json out = {{"ok", all_ok}, {"build_id", *build}, {"summary", summary}, {"processes", json::array()}};
    for (Outcome k : shown) out["counts"][outcome_word(k)] = counts[k];
    for (const ProcessResult& r : results)
      out["processes"].push_back({{"pid", r.pid}, {"result", outcome_word(r.outcome)}, {"message", r.message}});
    std::cout << out.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    for (const ProcessResult& r : results) {
      std::cout << r.pid << ": ";
      if (r.outcome == Outcome::kApplied || r.outcome == Outcome::kReverted) std::cout << outcome_word(r.outcome) << ": ";
      if (r.outcome == Outcome::kFailed) std::cout << "failed: ";
      std::cout << r.message << "\n";
    }
    std::cout << summary << "\n";
  }
  return all_ok ? kExitDone : kExitRefused;
}

}  // namespace hotswap
