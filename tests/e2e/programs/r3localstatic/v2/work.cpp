#include <vector>

struct Cache {
  std::vector<int> values{1, 2, 3};
  ~Cache() { values.clear(); }
};

int work() {
  static Cache cache;  // constructed on first call, destroyed at exit
  cache.values.push_back(4);
  return static_cast<int>(cache.values.size());
}
