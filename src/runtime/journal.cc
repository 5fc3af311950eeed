#include "runtime/journal.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace hotswap {

Journal::Journal() {
  if (const char* f = std::getenv("HOTSWAP_JOURNAL")) file_ = f;
}

void Journal::record(JournalEntry entry) {
  entry.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  entry.seq = entries_.size() + 1;
  if (!file_.empty()) std::ofstream(file_, std::ios::app) << journal_entry_json(entry) << "\n";
  entries_.push_back(std::move(entry));
}

void to_json(nlohmann::json& out, const JournalEntry& e) {
  out = {{"seq", e.seq},         {"time_ms", e.time_ms},   {"action", e.action}, {"ok", e.ok},
         {"patch", e.patch},     {"patch_id", e.patch_id}, {"from", e.from},     {"to", e.to},
         {"message", e.message}, {"pause_ns", e.pause_ns}};
}

std::string journal_entry_json(const JournalEntry& e) {
  return nlohmann::json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hotswap
