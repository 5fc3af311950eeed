#include "runtime/control_responses.h"

#include <nlohmann/json.hpp>

#include "common/control_protocol.h"

namespace hotswap {
namespace {

using nlohmann::json;

// An item of a list (a journal entry, a version) whose JSON takes more than kMaxItemBytes
// has each of its strings clipped to kClippedFieldBytes. Even if JSON escaping made every
// byte six, a clipped item of a few strings then leaves room in the frame for the answer
// around it and one more item.
constexpr std::size_t kMaxItemBytes = 16 * 1024;
constexpr std::size_t kClippedFieldBytes = 1024;

// Paths and messages may hold bytes that are not UTF-8: they become U+FFFD rather than
// failing the answer.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json envelope(bool ok, const std::string& message) {
  return json{{"protocol", kProtocolVersion}, {"ok", ok}, {"message", message}};
}

std::string clip(const std::string& s) {
  if (s.size() <= kClippedFieldBytes) return s;
  std::size_t end = kClippedFieldBytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80)
    --end;  // not inside a UTF-8 character
  return s.substr(0, end) + "... (" + std::to_string(s.size() - end) + " bytes clipped)";
}

json bounded(json item) {
  if (dump(item).size() <= kMaxItemBytes) return item;
  for (auto& [key, value] : item.items())
    if (value.is_string()) value = clip(value.get_ref<const std::string&>());
  return item;
}

json version_json(const Version& v) {
  json out{{"build_id", v.build_id},
           {"patch_id", v.patch_id},
           {"path", v.patch_path},
           {"pause_ns", v.pause_ns},
           {"functions_redirected", v.functions_redirected},
           {"key_id", v.key_id}};
  if (!v.migrated.empty()) {  // a patch that moved state (docs/type-updates.md)
    out["migrated"] = v.migrated;
    out["quiescence_ns"] = v.quiescence_ns;
  }
  return out;
}

// The answer as text, or a refusal if it outgrew the frame after all.
std::string finish(const json& answer) {
  std::string text = dump(answer);
  if (text.size() <= kMaxMessageBytes) return text;
  return plain_response(false, "internal error: an answer of " + std::to_string(text.size()) +
                                   " bytes exceeds the frame limit");
}

}  // namespace

std::string plain_response(bool ok, const std::string& message) {
  return finish(envelope(ok, clip(message)));
}

std::string change_response(const Result& result, const std::string& version) {
  json out = envelope(result.ok, clip(result.message));
  out["pause_ns"] = result.pause_ns;
  out["version"] = clip(version);
  return finish(out);
}

std::string staged_response() {
  json out = envelope(true, "staged; it commits now (code-only patch)");
  out["staged"] = true;
  return finish(out);
}

std::string status_response(pid_t pid, const std::string& version,
                            const std::vector<Version>& chain, const PolicyText& policy) {
  json out = envelope(true, "");
  out["pid"] = pid;
  out["version"] = clip(version);
  out["trust"] = clip(policy.trust);
  out["access"] = clip(policy.access);
  out["chain_length"] = chain.size();
  out["chain"] = json::array();
  if (chain.empty()) return finish(out);
  std::size_t budget = kMaxMessageBytes - dump(out).size();
  json base = bounded(version_json(chain.front()));
  std::size_t used = dump(base).size();
  std::vector<json> newest;
  for (std::size_t i = chain.size() - 1; i > 0; --i) {
    json item = bounded(version_json(chain[i]));
    std::size_t size = dump(item).size() + 1;  // and its comma
    if (used + size > budget) break;
    used += size;
    newest.push_back(std::move(item));
  }
  out["chain"].push_back(std::move(base));
  for (auto it = newest.rbegin(); it != newest.rend(); ++it) out["chain"].push_back(std::move(*it));
  return finish(out);
}

std::string log_response(const std::vector<JournalEntry>& entries, const ControlRequest& request) {
  json out = envelope(true, "");
  out["entries"] = json::array();
  out["more"] = false;  // "false" is longer than "true": the budget holds either
  std::size_t budget = kMaxMessageBytes - dump(out).size();
  std::size_t end = entries.size();
  if (request.before)
    while (end > 0 && entries[end - 1].seq >= *request.before) --end;
  std::uint64_t limit = request.limit.value_or(entries.size());
  std::vector<json> newest;
  std::size_t used = 0;
  while (end > 0 && newest.size() < limit) {
    json item = bounded(entries[end - 1]);
    std::size_t size = dump(item).size() + (newest.empty() ? 0 : 1);  // and its comma
    if (used + size > budget) break;
    used += size;
    newest.push_back(std::move(item));
    --end;
  }
  for (auto it = newest.rbegin(); it != newest.rend(); ++it)
    out["entries"].push_back(std::move(*it));
  out["more"] = end > 0;
  return finish(out);
}

}  // namespace hotswap
