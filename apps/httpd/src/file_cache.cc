// The hit path is one hash lookup; the miss path opens the file below the root, reads it
// if small, and formats its headers once.
#include "file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "mime.h"
#include "path_resolver.h"

namespace httpd {
namespace {

bool same_file(const FileEntry& e, const struct stat& st) {
  return e.device == st.st_dev && e.inode == st.st_ino &&
         e.size == static_cast<std::uint64_t>(st.st_size) && e.mtime == st.st_mtim.tv_sec &&
         e.mtime_nsec == st.st_mtim.tv_nsec;
}

bool read_all(int fd, char* data, std::uint64_t size) {
  std::uint64_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, data + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // error, or the file shrank under us
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

FileEntry::~FileEntry() {
  if (fd >= 0) close(fd);
}

FileCache::FileCache(int root_fd, const CacheLimits& limits) : root_fd_(root_fd), limits_(limits) {}

FileCache::~FileCache() {
  for (auto& [key, entry] : map_) release(entry);
}

FileCache& FileCache::operator=(FileCache&& other) noexcept {
  if (this == &other) return *this;
  for (auto& [key, entry] : map_) release(entry);
  map_ = std::move(other.map_);
  other.map_.clear();
  root_fd_ = other.root_fd_;
  limits_ = other.limits_;
  bytes_ = other.bytes_;
  other.bytes_ = 0;
  key_ = std::move(other.key_);
  return *this;
}

Lookup FileCache::lookup(std::string_view path, bool directory_form, std::int64_t now_ms) {
  // Directory-form keys end in '/', so "a" (a file) and "a/" (a's index) differ.
  std::string_view key = path;
  if (directory_form) {
    key_.assign(path);
    key_.push_back('/');
    key = key_;
  }
  auto it = map_.find(key);
  if (it != map_.end() && now_ms - it->second->checked_ms < limits_.revalidate_ms) {
    retain(it->second);
    return {it->second, 200};
  }
  return load(key, path, directory_form, now_ms);
}

Lookup FileCache::load(std::string_view key, std::string_view path, bool directory_form,
                       std::int64_t now_ms) {
  std::string open_path(path.empty() ? "." : path);
  if (directory_form) open_path += "/index.html";
  int fd = open_beneath(root_fd_, open_path.c_str());
  if (fd < 0) {
    if (auto it = map_.find(key); it != map_.end()) erase(it);
    if (directory_form && (fd == -ENOENT)) {
      // The directory may exist without an index: 403 as nginx does, else 404.
      int dir = open_beneath(root_fd_, path.empty() ? "." : std::string(path).c_str());
      if (dir >= 0) {
        struct stat st;
        bool is_dir = fstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
        close(dir);
        return {nullptr, is_dir ? 403 : 404};
      }
      return {nullptr, status_for_open_error(dir)};
    }
    return {nullptr, status_for_open_error(fd)};
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return {nullptr, 404};
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return {nullptr, directory_form ? 403 : 301};
  }
  if (!S_ISREG(st.st_mode)) {  // fifos, devices and sockets are never served
    close(fd);
    return {nullptr, 403};
  }
  auto it = map_.find(key);
  if (it != map_.end() && same_file(*it->second, st)) {
    close(fd);
    it->second->checked_ms = now_ms;
    retain(it->second);
    return {it->second, 200};
  }
  FileEntry* entry = make_entry(fd, st, open_path);
  if (entry == nullptr) return {nullptr, 404};
  entry->checked_ms = now_ms;
  store(key, entry);  // the reference make_entry() gave us goes to the caller
  return {entry, 200};
}

FileEntry* FileCache::make_entry(int fd, const struct stat& st, std::string_view name) {
  auto* entry = new FileEntry;
  entry->size = static_cast<std::uint64_t>(st.st_size);
  entry->mtime = st.st_mtim.tv_sec;
  entry->mtime_nsec = st.st_mtim.tv_nsec;
  entry->device = st.st_dev;
  entry->inode = st.st_ino;
  if (entry->size <= limits_.max_file_bytes) {
    entry->data.reset(new char[entry->size == 0 ? 1 : entry->size]);
    bool ok = read_all(fd, entry->data.get(), entry->size);
    close(fd);
    if (!ok) {
      delete entry;
      return nullptr;
    }
  } else {
    entry->fd = fd;
  }
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx.%lx-%llx\"",
                static_cast<unsigned long long>(entry->mtime), entry->mtime_nsec,
                static_cast<unsigned long long>(entry->size));
  entry->etag = etag;
  format_http_date(entry->mtime, entry->last_modified);
  entry->headers.reserve(160);
  entry->headers.append("Content-Type: ").append(mime_type_for(name)).append("\r\n");
  entry->headers.append("Accept-Ranges: bytes\r\n");
  entry->validators_offset = entry->headers.size();
  entry->headers.append("Last-Modified: ").append(entry->last_modified_view()).append("\r\n");
  entry->headers.append("ETag: ").append(entry->etag).append("\r\n");
  return entry;
}

void FileCache::store(std::string_view key, FileEntry* entry) {
  auto it = map_.find(key);
  if (it != map_.end()) erase(it);
  // Make room: drop arbitrary entries (the first of the hash table). Crude but O(1) each.
  std::uint64_t added = entry->data ? entry->size : 0;
  while (!map_.empty() &&
         (map_.size() + 1 > limits_.max_entries || bytes_ + added > limits_.max_bytes)) {
    erase(map_.begin());
  }
  if (added > limits_.max_bytes || limits_.max_entries == 0) {
    return;  // not cacheable at all; only the caller's reference keeps it alive
  }
  bytes_ += added;
  retain(entry);
  map_.emplace(std::string(key), entry);
}

void FileCache::erase(Map::iterator it) {
  FileEntry* entry = it->second;
  bytes_ -= entry->data ? entry->size : 0;
  map_.erase(it);
  release(entry);
}

}  // namespace httpd
