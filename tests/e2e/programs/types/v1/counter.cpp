// Release 2 adds a member to Counter: a type change of the global g_counter.
#include <string>

struct Counter {
  int hits;
};

Counter g_counter{0};

std::string touch() { return std::to_string(++g_counter.hits); }
