// libFuzzer entry point for the control protocol, as the program serves it.
//
// Each input is the byte stream a client sends on a control connection, written into a
// socketpair and followed by end-of-file: the frame reader takes it, and the request
// handler answers what it reads. Only the ops that read state are handled (status, hello,
// log, and anything refused before dispatch); apply and revert are never dispatched, as
// they would load or undo patches. Every answer must be what the tool accepts: one frame
// of at most kMaxMessageBytes holding a JSON object of protocol 1 with a boolean "ok".
//
// The journal is given entries first (refused applies of files that do not exist, with a
// long path and bytes that are not UTF-8) so that `log` has something to page and clip.
// Built by the fuzz build (fuzz/CMakeLists.txt, docs/fuzzing.md).
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/control_protocol.h"
#include "runtime/control_request.h"
#include "runtime/control_server.h"
#include "runtime/runtime.h"

namespace {

using hotswap::kMaxMessageBytes;

// A frame header and the largest payload: the most the reader consumes of a stream.
constexpr std::size_t kMostRead = 4 + kMaxMessageBytes;

void check(bool holds) {
  if (!holds) std::abort();
}

bool only_reads(const std::string& request) {
  auto parsed = hotswap::parse_control_request(request);
  return !parsed || (parsed->op != "apply" && parsed->op != "revert");
}

// The answer as the tool would check it, after a trip through a frame.
void check_answer(const std::string& answer) {
  check(!answer.empty() && answer.size() <= kMaxMessageBytes);
  int fds[2];
  check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  check(
      bool(hotswap::write_frame(fds[0], answer, hotswap::deadline_after(std::chrono::seconds(5)))));
  auto echoed = hotswap::read_frame(fds[1], hotswap::deadline_after(std::chrono::seconds(5)));
  close(fds[0]);
  close(fds[1]);
  check(echoed && *echoed == answer);
  nlohmann::json body = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  check(body.is_object() && body.value("protocol", 0) == hotswap::kProtocolVersion &&
        body.contains("ok") && body["ok"].is_boolean());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hotswap::Runtime& rt = hotswap::Runtime::instance();
  (void)rt.apply("/nonexistent/control-fuzz.hsp");
  (void)rt.apply("/nonexistent/" + std::string(3000, 'p') + "\xff\xfe\x01\"\\.hsp");
  (void)rt.revert();  // "nothing to revert": journaled, changes nothing
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fds[2];
  check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  // Whatever follows the largest frame is never read: leave it out so the send never
  // has to wait for a reader.
  std::size_t length = size < kMostRead ? size : kMostRead;
  if (length > 0)
    check(send(fds[0], data, length, MSG_NOSIGNAL | MSG_DONTWAIT) == static_cast<ssize_t>(length));
  shutdown(fds[0], SHUT_WR);
  auto request = hotswap::read_frame(fds[1], hotswap::deadline_after(std::chrono::seconds(5)));
  close(fds[0]);
  close(fds[1]);
  if (!request) {
    check(!request.error().message.empty());
    return 0;
  }
  check(!request->empty() && request->size() <= kMaxMessageBytes);
  if (!only_reads(*request)) return 0;
  hotswap::DeferredCommit after_reply;
  hotswap::Peer peer;
  peer.identity.uid = getuid();
  std::string answer = hotswap::handle_control_request(*request, after_reply, peer, hotswap::AccessPolicy{});
  check(!after_reply.patch);  // only a no-wait apply defers a commit
  check_answer(answer);
  return 0;
}
