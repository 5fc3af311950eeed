// Release 3 changes Counter again (a member renamed by nothing, one added): stacked on
// release 2's patch, its instance is the one that moves.
#include <string>

struct Counter {
  int hits;
  long bytes;
  long touches_since_v3;
};

Counter g_counter{0, 0, 0};

std::string touch() {
  g_counter.bytes += 1000;
  ++g_counter.touches_since_v3;
  return std::to_string(++g_counter.hits) + " " + std::to_string(g_counter.bytes) + " " +
         std::to_string(g_counter.touches_since_v3);
}
