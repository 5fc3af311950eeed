// A catalog keyed by a class that release 2 changes: an ordered map and a hashed one, both
// keyed by Sku. Moving them live migrates each key into a node of its own, which joins the
// new map in the new key's order or hash (docs/type-updates.md). Four threads sell and
// restock, moving units between stock and sold: their sum never changes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace app {

struct Sku {
  int id = 0;
  bool operator<(const Sku& other) const { return id < other.id; }
  bool operator==(const Sku& other) const { return id == other.id; }
};

}  // namespace app

// Not noexcept: libstdc++ then keeps each node's hash code, in the transform file's old
// layout too (its hash must match, docs/type-updates.md).
template <>
struct std::hash<app::Sku> {
  std::size_t operator()(const app::Sku& s) const { return static_cast<std::size_t>(s.id) * 2654435761u; }
};

namespace app {

// What was sold, in classes of the program: they hold hashed maps, so they move too. The
// map sits in a base class and in a nested class, beside a const and a reference member:
// without a hash for the old key, the old layouts have no default constructor in the
// transform unit, and the generated hotswap_reset empties each, base by base, after the
// update (leaving the reference alone).
struct Tally {
  std::unordered_map<Sku, long> sold;
};
struct Ledger : Tally {
  struct Returns {
    long count = 0;
    std::unordered_map<Sku, long> by_sku;
  };
  Returns returns;
  const std::string name = "ledger";
  long& opened;  // g_opened: how many catalogs were opened
};

extern long g_opened;

extern std::map<Sku, long> g_stock;
extern Ledger g_ledger;
extern std::mutex g_mu;

void open_catalog(int count, long units);
void sell(unsigned seed);
// "v1 skus 64 units 6400 ordered ok hashed ok": the units in stock and sold, whether the
// ordered map iterates in key order and every key is found in the hashed one by its hash.
std::string audit();

}  // namespace app
