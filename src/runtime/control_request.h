// A control request as the program reads it: one frame's JSON text, checked field by field
// (docs/control.md lists the ops and their fields).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.h"

namespace hotswap {

struct ControlRequest {
  std::string op;    // "apply", "revert", "status" (or "hello"), "log"
  std::string path;  // apply: the patch
  std::string patch_id;  // revert: only if the last applied patch's id starts with this
  bool wait = true;  // apply: answer after the commit rather than once staged
  // apply, revert: how long a patch that moves state waits for a safe moment (at most an
  // hour; absent: the process's default)
  std::optional<std::uint64_t> timeout_ms;
  // log: at most `limit` entries, all older than sequence number `before`.
  std::optional<std::uint64_t> limit;
  std::optional<std::uint64_t> before;
};

// Errors start with "bad request:" and say what is wrong: not JSON, not an object, another
// protocol version, an unknown op, a field of the wrong type.
Expected<ControlRequest> parse_control_request(const std::string& text);

}  // namespace hotswap
