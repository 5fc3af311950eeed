#include "state.h"

namespace bench {

std::unordered_map<int, std::unique_ptr<Session>> g_sessions;

void open_sessions(int count) {
  g_sessions.clear();
  g_sessions.reserve(static_cast<std::size_t>(count));
  for (int id = 0; id < count; ++id) {
    auto s = std::make_unique<Session>();
    s->id = id;
    s->user = "user" + std::to_string(id);
    s->cart = {{id, 1}, {id + 1, 2}};
    g_sessions.emplace(id, std::move(s));
  }
}

long total_quantity() {
  long sum = 0;
  for (const auto& [id, s] : g_sessions)
    for (const Item& i : s->cart) sum += i.quantity;
  return sum;
}

}  // namespace bench
