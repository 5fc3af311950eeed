// The state whose migration the pause benchmark times: N sessions on the heap behind a map
// of unique_ptr, each with a cart of items. Release 2: a wider quantity, a price, a request count.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bench {

struct Item {
  int sku = 0;
  long quantity = 0;
  int price_cents = 100;
};

struct Session {
  int id = 0;
  std::string user;
  std::vector<Item> cart;
  long requests = 0;
};

extern std::unordered_map<int, std::unique_ptr<Session>> g_sessions;

void open_sessions(int count);
long total_quantity();

}  // namespace bench
