// The store's state: sessions on the heap behind a map of owning pointers, each with a cart
// of items, a raw pointer to a peer session, and an item shared between sessions. Release 2
// changes Item and Session; Store itself keeps its layout but holds them, so it moves too.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace app {

struct Item {
  std::string name;
  int quantity = 0;
};

struct Session {
  int id = 0;
  std::string user;
  std::vector<Item> cart;
  Session* peer = nullptr;              // another session of the store
  std::shared_ptr<Item> favourite;      // shared with the store's featured item
  long requests = 0;
};

struct Store {
  std::unordered_map<int, std::unique_ptr<Session>> sessions;
  std::shared_ptr<Item> featured;
  Session* last = nullptr;              // the session served last
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
