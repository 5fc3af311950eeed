#include "runtime/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace hotswap {
namespace {

// One write() of the whole line on a descriptor opened with O_APPEND: the line is in the
// kernel before record() returns, so a crash of the program loses none, and the lines of
// two writers of one file (two processes) never interleave, as they could through a
// stream buffer that splits a long line. Not synced: a power loss may lose the last lines.
// A failure is not the program's concern: the entry stays in memory either way.
void append_line(const std::string& file, const std::string& line) {
  int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  close(fd);
}

std::string journal_file_from_environment() {
  const char* file = std::getenv("HOTSWAP_JOURNAL");
  return file ? file : "";
}

}  // namespace

Journal::Journal() : Journal(kJournalMemoryEntries, journal_file_from_environment()) {}

Journal::Journal(std::size_t capacity, std::string file)
    : capacity_(std::max<std::size_t>(capacity, 1)), file_(std::move(file)) {}

void Journal::record(JournalEntry entry) {
  if (entry.by.via == "api" && entry.by.pid < 0) {  // the program itself
    entry.by.pid = getpid();
    entry.by.uid = getuid();
    entry.by.gid = getgid();
  }
  entry.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  entry.seq = ++recorded_;
  if (!file_.empty()) append_line(file_, journal_entry_json(entry) + "\n");
  if (entries_.size() == capacity_) entries_.pop_front();
  entries_.push_back(std::move(entry));
}

std::vector<JournalEntry> Journal::entries() const { return {entries_.begin(), entries_.end()}; }

void to_json(nlohmann::json& out, const JournalEntry& e) {
  out = {{"seq", e.seq},         {"time_ms", e.time_ms},   {"action", e.action}, {"ok", e.ok},
         {"patch", e.patch},     {"patch_id", e.patch_id}, {"from", e.from},     {"to", e.to},
         {"message", e.message}, {"pause_ns", e.pause_ns}, {"key_id", e.key_id}};
  out["by"] = {{"via", e.by.via}, {"pid", e.by.pid}, {"uid", e.by.uid}, {"gid", e.by.gid}};
}

std::string journal_entry_json(const JournalEntry& e) {
  return nlohmann::json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hotswap
