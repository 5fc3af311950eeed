#include "store.h"

#include <iterator>

namespace app {

Store g_store;
std::mutex g_mu;

void open_sessions(int count) {
  std::lock_guard lock(g_mu);
  g_store.featured = std::make_shared<Item>(Item{"lamp", 1, 900});
  for (int id = 0; id < count; ++id) {
    auto s = std::make_unique<Session>();
    s->id = id;
    s->user = "user-" + std::to_string(id) + "-with-a-name-longer-than-the-small-string-buffer";
    if (id % 2 == 0) s->favourite = g_store.featured;
    g_store.sessions[id] = std::move(s);
  }
  for (int id = 0; id < count; ++id) g_store.sessions[id]->peer = g_store.sessions[(id + 1) % count].get();
}

void serve(unsigned seed) {
  std::lock_guard lock(g_mu);
  Session& s = *g_store.sessions.at(static_cast<int>(seed % g_store.sessions.size()));
  ++s.requests;
  ++g_store.total_requests;
  if (s.cart.size() < 4) s.cart.push_back({"item-" + std::to_string(seed % 100), static_cast<long>(seed % 7), 250});
  else s.cart[seed % 4].quantity += 1;
  g_store.last = &s;
}

// The invariants: requests add up, every peer is the next session, favourites are shared.
std::string audit() {
  std::lock_guard lock(g_mu);
  long sum = 0;
  bool peers = true, shared = true;
  int n = static_cast<int>(g_store.sessions.size());
  for (const auto& [id, s] : g_store.sessions) {
    sum += s->requests;
    peers = peers && s->id == id && s->peer == g_store.sessions.at((id + 1) % n).get();
    shared = shared && (id % 2 != 0 || s->favourite == g_store.featured);
  }
  bool last = g_store.last == nullptr || g_store.sessions.at(g_store.last->id).get() == g_store.last;
  return "v2 sessions " + std::to_string(n) + " requests " + std::to_string(g_store.total_requests) +
         (sum == g_store.total_requests ? " sum ok" : " sum WRONG " + std::to_string(sum)) +
         (peers ? " peers ok" : " peers WRONG") + (shared ? " shared ok" : " shared WRONG") +
         (last ? " last ok" : " last WRONG") + " featured-owners " + std::to_string(g_store.featured.use_count());
}

std::string describe(int id) {
  std::lock_guard lock(g_mu);
  const Session& s = *g_store.sessions.at(id);
  std::string out = "v2 " + s.user.substr(0, 7) + " " + s.agent + " requests " + std::to_string(s.requests) + " cart";
  for (const Item& i : s.cart) out += " " + i.name + "x" + std::to_string(i.quantity) + "@" + std::to_string(i.price_cents);
  return out;
}

std::string overflow(int id) {
  std::lock_guard lock(g_mu);
  // -1: the session a revert reaches last (the map's iteration order), once every other
  // session has been rebuilt in the old layout.
  Session& s = id < 0 ? *std::next(g_store.sessions.begin(), static_cast<long>(g_store.sessions.size()) - 1)->second
                      : *g_store.sessions.at(id);
  if (s.cart.empty()) s.cart.push_back({"crate", 0});
  s.cart.at(0).quantity = 1L << 40;
  return "overflowed";
}

void* session_address(int id) {
  std::lock_guard lock(g_mu);
  return g_store.sessions.at(id).get();
}

}  // namespace app
