// Open files and small files' contents, keyed by normalized request path, one cache per
// worker thread (so no locks). An entry is re-validated with fstat after
// Options::cache_revalidate_ms; a changed file gets a new entry, and connections still
// sending the old one keep it alive through their reference.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "http_date.h"

namespace httpd {

struct FileEntry {
  std::uint32_t references = 1;  // one per holder: the cache's map and each response
  int fd = -1;                   // kept open when the content is not in memory
  std::unique_ptr<char[]> data;  // the whole content when size <= cache_max_file_bytes
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  long mtime_nsec = 0;
  dev_t device = 0;
  ino_t inode = 0;
  std::int64_t checked_ms = 0;  // when it was last stat()ed
  std::string etag;             // "\"<mtime hex>.<nsec hex>-<size hex>\""
  // "Content-Type: ..\r\nAccept-Ranges: bytes\r\nLast-Modified: ..\r\nETag: ..\r\n";
  // the validators (what a 304 repeats) are its tail from validators_offset.
  std::string headers;
  std::size_t validators_offset = 0;
  char last_modified[kHttpDateLength];

  std::string_view last_modified_view() const { return {last_modified, kHttpDateLength}; }
  std::string_view validators() const {
    return std::string_view(headers).substr(validators_offset);
  }
  ~FileEntry();
};

inline void retain(FileEntry* entry) { ++entry->references; }
inline void release(FileEntry* entry) {
  if (--entry->references == 0) delete entry;
}

struct CacheLimits {
  std::uint64_t max_file_bytes = 8 * 1024;
  std::uint64_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_entries = 4096;
  int revalidate_ms = 1000;
};

struct Lookup {
  FileEntry* entry = nullptr;  // retained for the caller when status == 200
  int status = 200;            // 200, or 301 (a directory named without '/'), 403, 404, 503
};

class FileCache {
 public:
  // REQUIRES: root_fd is an open directory that outlives the cache.
  FileCache(int root_fd, const CacheLimits& limits);
  FileCache() = default;  // serves nothing until assigned a real one
  ~FileCache();
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;
  // A move takes the entries (and their references): the source is left empty.
  FileCache(FileCache&& other) noexcept { *this = std::move(other); }
  FileCache& operator=(FileCache&& other) noexcept;

  // `path` is a normalized relative path (see parse_target). A directory-form path is
  // served by its index.html.
  Lookup lookup(std::string_view path, bool directory_form, std::int64_t now_ms);

  std::size_t entries() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, FileEntry*, Hash, std::equal_to<>>;

  Lookup load(std::string_view key, std::string_view path, bool directory_form,
              std::int64_t now_ms);
  FileEntry* make_entry(int fd, const struct stat& st, std::string_view name);
  void store(std::string_view key, FileEntry* entry);
  void erase(Map::iterator it);

  int root_fd_ = -1;
  CacheLimits limits_;
  Map map_;
  std::uint64_t bytes_ = 0;
  std::string key_;  // scratch for directory-form keys
};

}  // namespace httpd
