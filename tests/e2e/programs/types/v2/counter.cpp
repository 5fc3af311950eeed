// Release 2 adds a member to Counter: a type change of the global g_counter.
#include <string>

struct Counter {
  int hits;
  long bytes;
};

Counter g_counter{0, 0};

std::string touch() {
  g_counter.bytes += 100;
  return std::to_string(++g_counter.hits) + " " + std::to_string(g_counter.bytes);
}
