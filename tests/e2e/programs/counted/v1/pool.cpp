#include "pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>

namespace pool {

Table g_table;
std::vector<std::unique_ptr<Reader>> g_readers;

Blob::~Blob() {
  if (fd >= 0) close(fd);
}
void retain(Blob* blob) { ++blob->refs; }
void release(Blob* blob) {
  if (--blob->refs == 0) delete blob;
}
Table::~Table() {
  for (auto& [name, blob] : blobs) release(blob);
}
Reader::~Reader() {
  if (current) release(current);
}

namespace {
std::string content_of(int index) { return "content-" + std::to_string(index); }
}  // namespace

std::string fill(int count) {
  for (int i = 0; i < count; ++i) {
    auto* blob = new Blob;
    std::string content = content_of(i);
    blob->size = content.size();
    blob->data.reset(new char[blob->size]);
    std::memcpy(blob->data.get(), content.data(), blob->size);
    blob->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    std::snprintf(blob->label, sizeof blob->label, "b%d", i);
    g_table.blobs.emplace(blob->label, blob);
    g_table.bytes += blob->size;
    if (!g_table.first) g_table.first = blob;
  }
  return "filled";
}

std::string attach(int readers) {
  int count = static_cast<int>(g_table.blobs.size());
  for (int i = 0; i < readers; ++i) {
    auto reader = std::make_unique<Reader>();
    reader->current = g_table.blobs.at("b" + std::to_string(i % count));
    retain(reader->current);
    g_readers.push_back(std::move(reader));
  }
  return "attached";
}

std::string evict(int index) {
  auto it = g_table.blobs.find("b" + std::to_string(index));
  if (it == g_table.blobs.end()) return "no such blob";
  g_table.bytes -= it->second->size;
  if (g_table.first == it->second) g_table.first = nullptr;
  release(it->second);
  g_table.blobs.erase(it);
  return "evicted";
}

std::string read_all() {
  std::uint64_t bytes = 0;
  for (auto& reader : g_readers) {
    ++reader->reads;
    bytes += reader->current->size;
  }
  return "read " + std::to_string(bytes);
}

std::string detach() {
  g_readers.clear();
  return "detached";
}

std::string audit() {
  std::map<const Blob*, std::uint32_t> owners;
  for (auto& [name, blob] : g_table.blobs) ++owners[blob];
  for (auto& reader : g_readers) ++owners[reader->current];
  bool refs = true, data = true, fds = true;
  for (auto [blob, count] : owners) {
    refs = refs && blob->refs == count;
    std::string expected = "content-" + std::string(blob->label + 1);
    data = data && std::string(blob->data.get(), blob->size) == expected;
    fds = fds && fcntl(blob->fd, F_GETFD) != -1;
  }
  for (auto& [name, blob] : g_table.blobs) data = data && name == blob->label;
  // A pointer to const of a changed type is forwarded as any other.
  data = data && (g_table.blobs.count("b0") ? g_table.first == g_table.blobs.at("b0") : g_table.first == nullptr);
  return "v1 blobs " + std::to_string(g_table.blobs.size()) + " held " + std::to_string(owners.size()) +
         " refs " + (refs ? "ok" : "BAD") + " data " + (data ? "ok" : "BAD") + " fds " + (fds ? "ok" : "BAD");
}

std::vector<void*> blobs() {
  std::set<void*> all;
  for (auto& [name, blob] : g_table.blobs) all.insert(blob);
  for (auto& reader : g_readers) all.insert(reader->current);
  return {all.begin(), all.end()};
}

}  // namespace pool
