#include "runtime/control_responses.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/control_protocol.h"

namespace hotswap {
namespace {

using nlohmann::json;

std::vector<JournalEntry> journal(std::size_t count, std::size_t message_bytes) {
  std::vector<JournalEntry> entries;
  for (std::size_t i = 1; i <= count; ++i) {
    JournalEntry e;
    e.action = "apply";
    e.patch = "/patches/" + std::to_string(i) + ".hsp";
    e.message = "refused " + std::to_string(i) + " " + std::string(message_bytes, 'm');
    e.seq = i;
    entries.push_back(e);
  }
  return entries;
}

std::vector<std::uint64_t> seqs(const json& answer) {
  std::vector<std::uint64_t> out;
  for (const json& e : answer["entries"]) out.push_back(e["seq"].get<std::uint64_t>());
  return out;
}

json parsed(const std::string& text) {
  EXPECT_LE(text.size(), kMaxMessageBytes);
  return json::parse(text);
}

TEST(ControlResponses, ASmallLogComesWhole) {
  json answer = parsed(log_response(journal(3, 10), {}));
  EXPECT_TRUE(answer["ok"].get<bool>());
  EXPECT_EQ(seqs(answer), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(answer["more"].get<bool>());
  EXPECT_EQ(answer["entries"][2]["patch"], "/patches/3.hsp");
}

TEST(ControlResponses, ALongLogGivesTheNewestThatFitAndSaysMore) {
  std::string text = log_response(journal(200, 5000), {});
  EXPECT_GT(text.size(), kMaxMessageBytes - 6000);  // filled, not a token page
  json answer = parsed(text);
  std::vector<std::uint64_t> got = seqs(answer);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), 200u);
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i], got[i - 1] + 1);
  EXPECT_TRUE(answer["more"].get<bool>());
}

TEST(ControlResponses, LimitAndBeforeSelectAPage) {
  ControlRequest request;
  request.limit = 2;
  request.before = 5;
  json answer = parsed(log_response(journal(10, 10), request));
  EXPECT_EQ(seqs(answer), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_TRUE(answer["more"].get<bool>());
  request.limit = 10;
  answer = parsed(log_response(journal(10, 10), request));
  EXPECT_EQ(seqs(answer), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_FALSE(answer["more"].get<bool>());
  request.before = 1;
  answer = parsed(log_response(journal(10, 10), request));
  EXPECT_TRUE(answer["entries"].empty());
  EXPECT_FALSE(answer["more"].get<bool>());
}

TEST(ControlResponses, AnEntryLargerThanAFrameIsClippedNotDropped) {
  std::vector<JournalEntry> entries = journal(2, 10);
  // Control characters take six bytes of JSON each: the worst case, in every string.
  std::string worst(1 << 17, '\x01');
  for (std::string* field : {&entries[1].action, &entries[1].patch, &entries[1].patch_id,
                             &entries[1].from, &entries[1].to, &entries[1].message})
    *field = worst;
  json answer = parsed(log_response(entries, {}));
  ASSERT_EQ(seqs(answer), (std::vector<std::uint64_t>{1, 2}));
  std::string message = answer["entries"][1]["message"];
  EXPECT_NE(message.find("bytes clipped"), std::string::npos);
  EXPECT_EQ(answer["entries"][0]["message"], entries[0].message);  // a small entry is left whole
  // Bytes that are not UTF-8 become U+FFFD rather than failing the answer.
  entries[1].message = std::string(100000, '\xff');
  answer = parsed(log_response(entries, {}));
  EXPECT_EQ(seqs(answer), (std::vector<std::uint64_t>{1, 2}));
}

TEST(ControlResponses, ClippingKeepsUtf8CharactersWhole) {
  std::vector<JournalEntry> entries = journal(1, 0);
  std::string e_acute = "\xc3\xa9";
  entries[0].message.clear();
  for (int i = 0; i < 20000; ++i) entries[0].message += e_acute;
  json answer = parsed(log_response(entries, {}));
  std::string message = answer["entries"][0]["message"];
  EXPECT_EQ(message.find("\xef\xbf\xbd"), std::string::npos);  // no U+FFFD from a cut character
  EXPECT_EQ(message.rfind(e_acute + "... ("), message.find("... (") - e_acute.size());
}

TEST(ControlResponses, ALongChainKeepsTheBaseAndTheNewestVersions) {
  std::vector<Version> chain;
  for (std::size_t i = 0; i < 100; ++i)
    chain.push_back(Version{"build" + std::to_string(i), i ? "patch" + std::to_string(i) : "",
                            "/" + std::string(4000, 'p') + std::to_string(i), i * 10, i, "", 0, ""});
  json answer = parsed(status_response(42, "build99", chain));
  EXPECT_EQ(answer["pid"], 42);
  EXPECT_EQ(answer["version"], "build99");
  EXPECT_EQ(answer["chain_length"], 100);
  const json& shown = answer["chain"];
  ASSERT_GE(shown.size(), 3u);
  EXPECT_LT(shown.size(), 100u);
  EXPECT_EQ(shown[0]["build_id"], "build0");
  EXPECT_EQ(shown[shown.size() - 1]["build_id"], "build99");
  EXPECT_EQ(shown[1]["build_id"], "build" + std::to_string(100 - (shown.size() - 1)));

  json whole = parsed(status_response(42, "build2", {chain.begin(), chain.begin() + 3}));
  EXPECT_EQ(whole["chain"].size(), 3u);
  EXPECT_EQ(whole["chain_length"], 3);
}

TEST(ControlResponses, APatchThatMovedStateSaysWhatAndHowLongItWaited) {
  std::vector<Version> chain{{"base", "", "/bin/p", 0, 0, "", 0, ""},
                             {"v2", "id", "/p.hsp", 5000, 2, "g_bank (Bank, 80 -> 88 bytes)", 150000, "0123456789abcdef"}};
  json answer = parsed(status_response(42, "v2", chain));
  EXPECT_FALSE(answer["chain"][0].contains("migrated"));
  EXPECT_EQ(answer["chain"][1]["migrated"], "g_bank (Bank, 80 -> 88 bytes)");
  EXPECT_EQ(answer["chain"][1]["quiescence_ns"], 150000);
  EXPECT_EQ(answer["chain"][1]["key_id"], "0123456789abcdef");
  EXPECT_EQ(answer["chain"][0]["key_id"], "");
}

TEST(ControlResponses, ChangeAndPlainAnswers) {
  json applied = parsed(change_response(Result{true, "applied a -> b", 1234}, "b"));
  EXPECT_TRUE(applied["ok"].get<bool>());
  EXPECT_EQ(applied["pause_ns"], 1234);
  EXPECT_EQ(applied["version"], "b");
  json staged = parsed(staged_response());
  EXPECT_TRUE(staged["staged"].get<bool>());
  json refused = parsed(plain_response(false, std::string(1 << 20, 'x')));
  EXPECT_FALSE(refused["ok"].get<bool>());
  EXPECT_EQ(refused["protocol"], kProtocolVersion);
}

}  // namespace
}  // namespace hotswap
