// The journal of commits, refusals and reverts: kept in memory, and appended as JSON lines
// to the file named by $HOTSWAP_JOURNAL when it is set.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace hotswap {

struct JournalEntry {
  std::int64_t time_ms = 0;  // Unix time
  std::string action;        // "apply", "revert"
  bool ok = false;
  std::string patch;  // path
  std::string patch_id;
  std::string from, to;  // build-ids
  std::string message;
  std::uint64_t pause_ns = 0;
  std::uint64_t seq = 0;  // 1, 2, ... in the order of recording: pages through the log
};

class Journal {
 public:
  Journal();
  void record(JournalEntry entry);  // fills in time_ms and seq
  const std::vector<JournalEntry>& entries() const { return entries_; }

 private:
  std::vector<JournalEntry> entries_;
  std::string file_;
};

// The entry as one JSON object: a line of the journal file, an entry of `log`.
void to_json(nlohmann::json& out, const JournalEntry& entry);
std::string journal_entry_json(const JournalEntry& entry);

}  // namespace hotswap
