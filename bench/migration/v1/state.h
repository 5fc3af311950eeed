// The state whose migration the pause benchmark times: N sessions on the heap behind a map
// of unique_ptr, each with a cart of items. Release 2 changes both types.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bench {

struct Item {
  int sku = 0;
  int quantity = 0;
};

struct Session {
  int id = 0;
  std::string user;
  std::vector<Item> cart;
};

extern std::unordered_map<int, std::unique_ptr<Session>> g_sessions;

void open_sessions(int count);
long total_quantity();

}  // namespace bench
