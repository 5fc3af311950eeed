// The journal of commits, refusals and reverts: kept in memory, and appended as JSON lines
// to the file named by $HOTSWAP_JOURNAL when it is set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace hotswap {

// Who asked for a change: a peer of the control socket (its credentials, from the
// kernel), or the program itself through the API.
struct Requester {
  std::string via = "api";  // "api" or "socket"
  std::int64_t pid = -1;    // -1: not known (the API: the program itself)
  std::int64_t uid = -1;
  std::int64_t gid = -1;
};

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
  Requester by;
  std::string key_id;  // the key that signed the patch, "" if unsigned or not read
};

// How many entries the program keeps in memory, the newest; the file keeps every one.
inline constexpr std::size_t kJournalMemoryEntries = 1000;

class Journal {
 public:
  // Keeps kJournalMemoryEntries; appends to the file named by $HOTSWAP_JOURNAL, if set.
  Journal();
  // Keeps `capacity` entries (at least 1); appends to `file` unless it is empty.
  Journal(std::size_t capacity, std::string file);

  // Fills in time_ms and seq. The line is in the file (written, not synced) on return.
  void record(JournalEntry entry);
  // The newest entries, oldest first.
  std::vector<JournalEntry> entries() const;

 private:
  std::size_t capacity_;
  std::string file_;
  std::deque<JournalEntry> entries_;
  std::uint64_t recorded_ = 0;
};

// The entry as one JSON object: a line of the journal file, an entry of `log`.
void to_json(nlohmann::json& out, const JournalEntry& entry);
std::string journal_entry_json(const JournalEntry& entry);

}  // namespace hotswap
