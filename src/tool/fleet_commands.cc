// `hotswap apply|status|revert --all BINARY`: one request to every process that runs a
// build, many at a time, a line for each process and a summary (docs/fleet.md).
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
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
enum class Outcome { kApplied, kAlready, kLeft, kReverted, kSkipped, kShown, kFailed, kUnreachable };

const char* outcome_word(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kAlready: return "already";
    case Outcome::kLeft: return "left";
    case Outcome::kReverted: return "reverted";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kShown: return "status";
    case Outcome::kFailed: return "failed";
    case Outcome::kUnreachable: return "unreachable";
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
};

// One process as its status found it: what to do with it is decided for all at once
// (a --limit canary is the lowest pids that need the patch, whatever answers first).
struct Visit {
  std::string socket;
  Top top;
  bool to_change = false;
};

// Asks one process for its status and says what it would take.
ProcessResult look(Run& run, pid_t pid, Visit& visit) {
  ProcessResult result{pid, Outcome::kFailed, ""};
  auto socket = find_control_socket(pid, &run.listening);
  if (!socket) {
    result.outcome = Outcome::kUnreachable;
    result.message = "unreachable: " + socket.error().message;
    return result;
  }
  visit.socket = *socket;
  Reply status = ask_at(pid, visit.socket, {{"op", "status"}});
  if (status.exit_code != kExitDone) {
    // No socket to connect to: a child forked by an updateable process (the control plane
    // does not survive fork), or a process started with the control plane off.
    result.outcome = status.exit_code == kExitUnreachable ? Outcome::kUnreachable : Outcome::kFailed;
    result.message = reply_error(status) +
                     (status.exit_code == kExitUnreachable
                          ? " (a child an updateable process forked has no control socket of its own; nor has a "
                            "process started with HOTSWAP_CONTROL=off)"
                          : "");
    return result;
  }
  Top& top = visit.top = top_of(status.body);
  const std::string& command = run.options.command;
  if (command == "status") {
    result.outcome = Outcome::kShown;
    result.message = "version " + short_id(top.version) + "  " + std::to_string(top.patches) +
                     (top.patches == 1 ? " patch" : " patches") +
                     (top.patch_id.empty() ? std::string()
                                           : "  last " + short_id(top.patch_id) + " (" +
                                                 (top.key_id.empty() ? "unsigned" : "key " + top.key_id) + ")");
  } else if (command == "apply" && top.patch_id == run.patch_id) {
    result.outcome = Outcome::kAlready;
    result.message = "already at patch " + short_id(run.patch_id);
  } else if (command == "revert" &&
             (top.patch_id.empty() || (!run.patch_id.empty() && top.patch_id.rfind(run.patch_id, 0) != 0))) {
    result.outcome = Outcome::kSkipped;
    result.message = top.patch_id.empty() ? "skipped: it runs its base version"
                                          : "skipped: its last patch is " + short_id(top.patch_id);
  } else {
    visit.to_change = true;
  }
  return result;
}

// Applies or reverts in a process that look() found needs it.
ProcessResult change(Run& run, pid_t pid, const Visit& visit) {
  json request = run.options.command == "apply" ? json{{"op", "apply"}, {"path", run.patch_path}, {"wait", true}}
                                                : json{{"op", "revert"}};
  // The revert names the patch look() saw on top: one applied in between is never undone.
  if (run.options.command == "revert") request["patch"] = visit.top.patch_id;
  if (run.options.timeout_ms) request["timeout_ms"] = run.options.timeout_ms;
  Reply r = ask_at(pid, visit.socket, request, std::chrono::milliseconds(run.options.timeout_ms));
  if (r.exit_code != kExitDone) return {pid, Outcome::kFailed, reply_error(r)};
  return {pid, run.options.command == "apply" ? Outcome::kApplied : Outcome::kReverted, r.body.value("message", "")};
}

// Runs `work(i)` for every i < n on `jobs` threads.
template <class F>
void in_parallel(std::size_t n, unsigned jobs, F work) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) work(i);
  };
  std::vector<std::thread> threads;
  try {
    for (unsigned j = 1; j < std::min<std::size_t>(jobs, n); ++j) threads.emplace_back(worker);
  } catch (const std::system_error&) {  // no more threads: the ones there are do it all
  }
  worker();
  for (std::thread& t : threads) t.join();
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
  Run run{o, "", "", {}};
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
    if (!filter) {
      fail(filter.error().message);
      return kExitUsage;
    }
    run.patch_id = *filter;
  }
  ProcessScan scan = processes_running(*build);
  std::vector<pid_t> pids = std::move(scan.matching);
  run.listening = listening_unix_sockets_now();
  // Processes /proc will not show us (non-dumpable ones of our own user: prctl
  // PR_SET_DUMPABLE 0) are asked over their control socket which build they started from.
  for (pid_t pid : scan.hidden) {
    auto socket = find_control_socket(pid, &run.listening);
    if (!socket) continue;
    Reply status = ask_at(pid, *socket, {{"op", "status"}});
    if (status.exit_code == kExitUnreachable) continue;  // no hotswap there: not ours to count
    if (status.exit_code != kExitDone) {  // a hotswap socket that does not answer: say so
      pids.push_back(pid);
      continue;
    }
    json chain = status.body.value("chain", json::array());
    if (chain.is_array() && !chain.empty() && chain[0].is_object() && chain[0].value("build_id", "") == *build)
      pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  if (pids.empty()) {
    fail("no process runs build " + short_id(*build) + " (" + o.binary + ") that this user may reach");
    return kExitUnreachable;
  }

  std::vector<ProcessResult> results(pids.size());
  std::vector<Visit> visits(pids.size());
  unsigned jobs = o.jobs ? o.jobs : 32;
  auto guarded = [&](std::size_t i, auto step) {
    try {
      results[i] = step();
    } catch (const std::exception& e) {  // a malformed answer: that process's failure
      results[i] = ProcessResult{pids[i], Outcome::kFailed, std::string("protocol error: ") + e.what()};
    }
  };
  in_parallel(pids.size(), jobs, [&](std::size_t i) { guarded(i, [&] { return look(run, pids[i], visits[i]); }); });
  std::vector<std::size_t> chosen;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (!visits[i].to_change) continue;
    if (o.limit && chosen.size() >= o.limit) {
      results[i] = {pids[i], Outcome::kLeft, "left as it is (--limit " + std::to_string(o.limit) + ")"};
      continue;
    }
    chosen.push_back(i);
  }
  in_parallel(chosen.size(), jobs, [&](std::size_t k) {
    std::size_t i = chosen[k];
    guarded(i, [&] { return change(run, pids[i], visits[i]); });
  });

  std::map<Outcome, std::size_t> counts;
  for (const ProcessResult& r : results) ++counts[r.outcome];
  bool all_ok = counts[Outcome::kFailed] == 0 && counts[Outcome::kUnreachable] == 0;
  std::string summary = std::to_string(results.size()) + (results.size() == 1 ? " process: " : " processes: ");
  std::vector<Outcome> shown = o.command == "apply"    ? std::vector{Outcome::kApplied, Outcome::kAlready, Outcome::kFailed, Outcome::kLeft}
                               : o.command == "revert" ? std::vector{Outcome::kReverted, Outcome::kSkipped, Outcome::kFailed}
                                                       : std::vector{Outcome::kShown, Outcome::kFailed};
  if (counts[Outcome::kUnreachable]) shown.push_back(Outcome::kUnreachable);  // said only when there are some
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
      // Applied and reverted lines are the process's own answer ("applied A -> B: ...").
      std::cout << r.pid << ": " << (r.outcome == Outcome::kFailed ? "failed: " : "") << r.message << "\n";
    }
    std::cout << summary << "\n";
  }
  return all_ok ? kExitDone : kExitRefused;
}

}  // namespace hotswap
