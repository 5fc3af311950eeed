// Blobs shared through raw pointers by a table and by readers, counted by hand, as a C
// server's cache or a refcounted buffer is: release 2 changes Blob (a hit count and the links
// of a least-recently-used list), and each blob must move once for all of its owners.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace pool {

struct Blob {
  std::uint32_t refs = 1;  // one per owner: the table and each reader
  int fd = -1;             // owned: closed with the blob
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  char label[32] = {};
  ~Blob();
};
void retain(Blob* blob);
void release(Blob* blob);

struct Table {
  std::unordered_map<std::string, Blob*> blobs;
  std::uint64_t bytes = 0;
  const Blob* first = nullptr;  // the first blob filled, while the table holds it
  ~Table();
};

struct Reader {
  Blob* current = nullptr;
  std::uint64_t reads = 0;
  ~Reader();
};

extern Table g_table;
extern std::vector<std::unique_ptr<Reader>> g_readers;

std::string fill(int count);       // blobs b0.. holding "content-N", each with a descriptor
std::string attach(int readers);   // reader i holds blob i % count
std::string evict(int index);      // the table lets blob `index` go; its readers keep it
std::string read_all();            // every reader reads its blob
std::string detach();              // every reader lets its blob go
std::string audit();               // "v1 blobs 20 held 22 refs ok data ok fds ok"
std::vector<void*> blobs();  // every blob held, once each

}  // namespace pool
