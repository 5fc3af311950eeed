// Blobs that a table and readers own together through raw pointers (pool.h). The program
// watches the addresses of its blobs and counts those freed, so that the test sees every
// old blob freed after an update (and none before: glibc aborts on a second free), and
// counts its open descriptors, so that it sees none closed or leaked.
#include <dirent.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "pool.h"

namespace {
constexpr std::size_t kWatched = 64;
std::atomic<void*> s_watched[kWatched];  // blobs' addresses, cleared as each is freed
std::atomic<int> s_watched_freed{0};

void note_free(void* p) {
  if (!p) return;
  for (auto& w : s_watched) {
    void* expected = p;
    if (w.load(std::memory_order_relaxed) == p && w.compare_exchange_strong(expected, nullptr))
      s_watched_freed.fetch_add(1);
  }
}

long open_descriptors() {
  long count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++count;
    closedir(dir);
  }
  return count;
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  note_free(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  note_free(p);
  std::free(p);
}

std::string handle(const std::string& command) {
  auto number = [&](std::size_t at) { return std::stoi(command.substr(at)); };
  if (command.rfind("fill ", 0) == 0) return pool::fill(number(5));
  if (command.rfind("attach ", 0) == 0) return pool::attach(number(7));
  if (command.rfind("evict ", 0) == 0) return pool::evict(number(6));
  if (command == "read") return pool::read_all();
  if (command == "detach") return pool::detach();
  if (command == "audit") return pool::audit();
  if (command == "watch") {  // every blob held now; the count of those freed starts at 0
    std::vector<void*> blobs = pool::blobs();
    if (blobs.size() > kWatched) return "too many";
    for (std::size_t i = 0; i < kWatched; ++i) s_watched[i] = i < blobs.size() ? blobs[i] : nullptr;
    s_watched_freed = 0;
    return "watching " + std::to_string(blobs.size());
  }
  if (command == "freed") return std::to_string(s_watched_freed.load());
  if (command == "descriptors") return std::to_string(open_descriptors());
  return "unknown command";
}
