#include "runtime/journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace hotswap {
namespace {

class JournalFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("hotswap-journal-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl");
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  std::filesystem::path path_;
};

JournalEntry entry(const std::string& message) {
  JournalEntry e;
  e.action = "apply";
  e.message = message;
  return e;
}

TEST_F(JournalFile, MemoryKeepsTheNewestEntriesAndTheFileKeepsAll) {
  Journal journal(3, path_.string());
  for (int i = 1; i <= 5; ++i) journal.record(entry("entry " + std::to_string(i)));
  std::vector<JournalEntry> kept = journal.entries();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].seq, 3u);
  EXPECT_EQ(kept[0].message, "entry 3");
  EXPECT_EQ(kept[2].seq, 5u);
  EXPECT_GT(kept[2].time_ms, 0);

  std::vector<std::string> written = lines();
  ASSERT_EQ(written.size(), 5u);
  for (std::size_t i = 0; i < written.size(); ++i) {
    nlohmann::json line = nlohmann::json::parse(written[i]);
    EXPECT_EQ(line["seq"], i + 1);
    EXPECT_EQ(line["message"], "entry " + std::to_string(i + 1));
  }
}

TEST_F(JournalFile, EachLineSaysWhoAskedAndWhichKeySigned) {
  Journal journal(3, path_.string());
  JournalEntry by_peer = entry("applied");
  by_peer.by = Requester{"socket", 4242, 1000, 100};
  by_peer.key_id = "0123456789abcdef";
  journal.record(by_peer);
  journal.record(entry("from the program"));
  std::vector<std::string> written = lines();
  ASSERT_EQ(written.size(), 2u);
  nlohmann::json peer = nlohmann::json::parse(written[0]);
  EXPECT_EQ(peer["by"]["via"], "socket");
  EXPECT_EQ(peer["by"]["pid"], 4242);
  EXPECT_EQ(peer["by"]["uid"], 1000);
  EXPECT_EQ(peer["key_id"], "0123456789abcdef");
  nlohmann::json own = nlohmann::json::parse(written[1]);
  EXPECT_EQ(own["by"]["via"], "api");
  EXPECT_EQ(own["by"]["pid"], getpid());
  EXPECT_EQ(own["by"]["uid"], getuid());
  EXPECT_EQ(own["key_id"], "");
}

TEST_F(JournalFile, TheDefaultCapacityBoundsMemory) {
  Journal journal(kJournalMemoryEntries, "");
  for (std::size_t i = 0; i < kJournalMemoryEntries + 10; ++i) journal.record(entry("x"));
  std::vector<JournalEntry> kept = journal.entries();
  ASSERT_EQ(kept.size(), kJournalMemoryEntries);
  EXPECT_EQ(kept.front().seq, 11u);
  EXPECT_EQ(kept.back().seq, kJournalMemoryEntries + 10);
}

TEST_F(JournalFile, EachLineIsWrittenBeforeRecordReturns) {
  Journal journal(10, path_.string());
  for (int i = 1; i <= 3; ++i) {
    journal.record(entry("entry " + std::to_string(i)));
    EXPECT_EQ(lines().size(), static_cast<std::size_t>(i));
  }
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // paths and build-ids: for the program's user only
}

TEST_F(JournalFile, LongLinesOfSeveralWritersNeverInterleave) {
  // Four journals on one file, as four processes sharing $HOTSWAP_JOURNAL; each line is
  // longer than a stream buffer.
  auto write_many = [&](char fill) {
    Journal journal(1, path_.string());
    for (int i = 0; i < 300; ++i) journal.record(entry(std::string(20000, fill)));
  };
  std::vector<std::thread> writers;
  for (char fill : {'a', 'b', 'c', 'd'}) writers.emplace_back(write_many, fill);
  for (std::thread& t : writers) t.join();
  std::vector<std::string> written = lines();
  EXPECT_EQ(written.size(), 1200u);
  int broken = 0;
  for (const std::string& line : written)
    if (!nlohmann::json::accept(line)) ++broken;
  EXPECT_EQ(broken, 0);
}

TEST_F(JournalFile, AnUnwritableFileLosesNoEntryInMemory) {
  Journal journal(10, "/nonexistent-directory/journal.jsonl");
  journal.record(entry("kept"));
  ASSERT_EQ(journal.entries().size(), 1u);
  EXPECT_EQ(journal.entries()[0].message, "kept");
}

}  // namespace
}  // namespace hotswap
