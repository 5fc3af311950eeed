#include "runtime/control_request.h"

#include <gtest/gtest.h>

namespace hotswap {
namespace {

std::string error_of(const std::string& text) {
  auto r = parse_control_request(text);
  return r ? "<parsed>" : r.error().message;
}

TEST(ControlRequest, ReadsEachOpAndItsFields) {
  auto apply =
      parse_control_request(R"({"protocol": 1, "op": "apply", "path": "/p.hsp", "wait": false})");
  ASSERT_TRUE(apply) << apply.error().message;
  EXPECT_EQ(apply->op, "apply");
  EXPECT_EQ(apply->path, "/p.hsp");
  EXPECT_FALSE(apply->wait);
  // A wait of another type keeps the default.
  EXPECT_TRUE(
      parse_control_request(R"({"protocol": 1, "op": "apply", "path": "x", "wait": "no"})")->wait);

  auto log = parse_control_request(R"({"protocol": 1, "op": "log", "limit": 5, "before": 120})");
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ(log->limit, 5u);
  EXPECT_EQ(log->before, 120u);
  auto plain = parse_control_request(R"({"protocol": 1, "op": "log"})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->limit);
  EXPECT_FALSE(plain->before);

  auto timed = parse_control_request(R"({"protocol": 1, "op": "apply", "path": "x", "timeout_ms": 250})");
  ASSERT_TRUE(timed) << timed.error().message;
  EXPECT_EQ(timed->timeout_ms, 250u);
  auto revert = parse_control_request(R"({"protocol": 1, "op": "revert", "timeout_ms": 9000})");
  ASSERT_TRUE(revert) << revert.error().message;
  EXPECT_EQ(revert->timeout_ms, 9000u);
  EXPECT_FALSE(apply->timeout_ms);

  for (const char* op : {"status", "hello", "revert"})
    EXPECT_TRUE(parse_control_request(std::string(R"({"protocol": 1, "op": ")") + op + "\"}"))
        << op;
}

TEST(ControlRequest, ARevertMayNameThePatchItUndoes) {
  auto named = parse_control_request(R"({"protocol": 1, "op": "revert", "patch": "0123456789ab"})");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->patch_id, "0123456789ab");
  EXPECT_EQ(parse_control_request(R"({"protocol": 1, "op": "revert"})")->patch_id, "");
  for (const char* bad : {R"("0123456789a")", R"("0123456789AB")", R"("0123456789xz")", "12", R"("")"})
    EXPECT_NE(error_of(std::string(R"({"protocol": 1, "op": "revert", "patch": )") + bad + "}").find("\"patch\""),
              std::string::npos)
        << bad;
  EXPECT_NE(error_of(R"({"protocol": 1, "op": "revert", "patch": ")" + std::string(65, 'a') + "\"}").find("patch"),
            std::string::npos);
}

TEST(ControlRequest, RefusesWhatIsNotARequestOfThisProtocol) {
  EXPECT_NE(error_of("{not json").find("bad request"), std::string::npos);
  EXPECT_NE(error_of(""), "<parsed>");
  EXPECT_NE(error_of("[1, 2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"op": "status"})").find("protocol version 1 expected"), std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 2, "op": "status"})").find("protocol version"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": "1", "op": "status"})").find("protocol version"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1, "op": "explode"})").find("unknown op \"explode\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1})").find("unknown op"), std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1, "op": 3})").find("unknown op"), std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1, "op": "apply"})").find("needs a \"path\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1, "op": "apply", "path": 7})").find("needs a \"path\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"protocol": 1, "op": "apply", "path": "x", "timeout_ms": 3600001})")
                .find("\"timeout_ms\" must be at most 3600000"),
            std::string::npos);
  for (const char* bad : {"0", "-3", "1.5", "\"7\"", "true", "null"}) {
    EXPECT_NE(error_of(std::string(R"({"protocol": 1, "op": "revert", "timeout_ms": )") + bad + "}")
                  .find("\"timeout_ms\" must be a positive integer"),
              std::string::npos)
        << bad;
    EXPECT_NE(error_of(std::string(R"({"protocol": 1, "op": "log", "limit": )") + bad + "}")
                  .find("\"limit\" must be a positive integer"),
              std::string::npos)
        << bad;
    EXPECT_NE(error_of(std::string(R"({"protocol": 1, "op": "log", "before": )") + bad + "}")
                  .find("\"before\" must be a positive integer"),
              std::string::npos)
        << bad;
  }
}

}  // namespace
}  // namespace hotswap
