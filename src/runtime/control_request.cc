#include "runtime/control_request.h"

#include "common/control_protocol.h"
#include "common/scrubbed_json.h"

namespace hotswap {
namespace {

using json = ScrubbedJson;  // parsed at every socket apply (scrubbing_allocator.h)

Error bad_request(const std::string& why) { return make_error("bad request: " + why); }

// An optional count: absent, or an integer of at least 1.
Status read_count(const json& request, const char* name, std::optional<std::uint64_t>& out) {
  auto it = request.find(name);
  if (it == request.end()) return Status::success();
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0)
    return bad_request(std::string("\"") + name + "\" must be a positive integer");
  out = it->get<std::uint64_t>();
  return Status::success();
}

}  // namespace

Expected<ControlRequest> parse_control_request(const std::string& text) {
  json request;
  try {
    request = json::parse(text);
  } catch (const json::exception& e) {
    return bad_request(e.what());
  }
  if (!request.is_object()) return bad_request("not a JSON object");
  auto protocol = request.find("protocol");
  if (protocol == request.end() || !protocol->is_number_integer() ||
      protocol->get<std::int64_t>() != kProtocolVersion)
    return bad_request("protocol version " + std::to_string(kProtocolVersion) + " expected");
  ControlRequest out;
  if (auto op = request.find("op"); op != request.end() && op->is_string())
    out.op = op->get<std::string>();
  if (out.op == "apply") {
    auto path = request.find("path");
    if (path == request.end() || !path->is_string()) return bad_request("apply needs a \"path\"");
    out.path = path->get<std::string>();
    // A wait of another type keeps the default, as protocol 1 always did.
    if (auto wait = request.find("wait"); wait != request.end() && wait->is_boolean())
      out.wait = wait->get<bool>();
  }
  if (out.op == "revert") {
    if (auto patch = request.find("patch"); patch != request.end()) {
      if (!patch->is_string()) return bad_request("\"patch\" must be a patch id");
      out.patch_id = patch->get<std::string>();
      if (out.patch_id.size() < 12 || out.patch_id.size() > 64 ||
          out.patch_id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return bad_request("\"patch\" must be 12 to 64 lowercase hex digits of a patch id");
    }
  }
  if (out.op == "apply" || out.op == "revert") {
    HOTSWAP_TRY(read_count(request, "timeout_ms", out.timeout_ms));
    if (out.timeout_ms && *out.timeout_ms > kMaxUpdateTimeoutMs)
      return bad_request("\"timeout_ms\" must be at most " + std::to_string(kMaxUpdateTimeoutMs));
  } else if (out.op == "log") {
    HOTSWAP_TRY(read_count(request, "limit", out.limit));
    HOTSWAP_TRY(read_count(request, "before", out.before));
  } else if (out.op != "status" && out.op != "hello") {
    return bad_request("unknown op \"" + out.op + "\"");
  }
  return out;
}

}  // namespace hotswap
