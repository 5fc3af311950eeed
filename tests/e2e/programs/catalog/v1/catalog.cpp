#include "catalog.h"

namespace app {

std::map<Sku, long> g_stock;
std::unordered_map<Sku, long> g_sold;
std::mutex g_mu;

void open_catalog(int count, long units) {
  std::lock_guard lock(g_mu);
  for (int i = 0; i < count; ++i) {
    g_stock[Sku{i}] = units;
    g_sold[Sku{i}] = 0;
  }
}

void sell(unsigned seed) {
  std::lock_guard lock(g_mu);
  if (g_stock.empty()) return;
  Sku key{static_cast<int>(seed % g_stock.size())};
  auto stock = g_stock.find(key);
  auto sold = g_sold.find(key);
  if (stock == g_stock.end() || sold == g_sold.end()) return;
  if (seed % 3 != 0 && stock->second > 0) {
    --stock->second;
    ++sold->second;
  } else if (sold->second > 0) {  // a return
    --sold->second;
    ++stock->second;
  }
}

std::string audit() {
  std::lock_guard lock(g_mu);
  long units = 0;
  bool ordered = true, hashed = g_sold.size() == g_stock.size();
  int previous = -1;
  for (const auto& [key, count] : g_stock) {
    units += count;
    ordered = ordered && key.id > previous;
    previous = key.id;
    hashed = hashed && g_sold.find(Sku{key.id}) != g_sold.end();
  }
  for (const auto& [key, count] : g_sold) units += count;
  return std::string("v1 skus ") + std::to_string(g_stock.size()) + " units " + std::to_string(units) +
         (ordered ? " ordered ok" : " ordered BROKEN") + (hashed ? " hashed ok" : " hashed BROKEN");
}

}  // namespace app
