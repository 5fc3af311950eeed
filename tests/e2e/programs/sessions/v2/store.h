// Release 2: an item has a price and a wider quantity; a session remembers the agent it
// came with and its quantity total. Store keeps its layout, but holds the changed types.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace app {

struct Item {
  std::string name;
  long quantity = 0;
  int price_cents = 250;
};

struct Session {
  int id = 0;
  std::string agent = "unknown-agent";
  std::string user;
  std::vector<Item> cart;
  Session* peer = nullptr;
  std::shared_ptr<Item> favourite;
  long requests = 0;
};

struct Store {
  std::unordered_map<int, std::unique_ptr<Session>> sessions;
  std::shared_ptr<Item> featured;
  Session* last = nullptr;
  long total_requests = 0;
};

extern Store g_store;
extern std::mutex g_mu;

void open_sessions(int count);
void serve(unsigned seed);
std::string audit();
std::string describe(int id);
void* session_address(int id);  // what a thread may hold across an update point
std::string overflow(int id);  // v2: a cart quantity beyond int's range (-1: the last session)

}  // namespace app
