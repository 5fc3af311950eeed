#include "catalog.h"

namespace app {

std::map<Sku, long> g_stock;
long g_opened = 0;
Ledger g_ledger{{}, {}, "ledger", g_opened};
std::mutex g_mu;

void open_catalog(int count, long units) {
  std::lock_guard lock(g_mu);
  for (int i = 0; i < count; ++i) {
    g_stock[Sku{i}] = units;
    g_ledger.sold[Sku{i}] = 0;
  }
  ++g_ledger.opened;
}

void sell(unsigned seed) {
  std::lock_guard lock(g_mu);
  if (g_stock.empty()) return;
  Sku key{static_cast<int>(seed % g_stock.size())};
  auto stock = g_stock.find(key);
  auto sold = g_ledger.sold.find(key);
  if (stock == g_stock.end() || sold == g_ledger.sold.end()) return;
  if (seed % 3 != 0 && stock->second > 0) {
    --stock->second;
    ++sold->second;
  } else if (sold->second > 0) {  // a return
    --sold->second;
    ++stock->second;
    ++g_ledger.returns.count;
    ++g_ledger.returns.by_sku[key];
  }
}

std::string audit() {
  std::lock_guard lock(g_mu);
  long units = 0;
  bool ordered = true, hashed = g_ledger.sold.size() == g_stock.size();
  int previous = -1;
  long returned = 0;
  for (const auto& [key, count] : g_ledger.returns.by_sku) returned += count;
  bool returns = returned == g_ledger.returns.count && g_ledger.name == "ledger" && &g_ledger.opened == &g_opened &&
                 g_opened == 1;
  for (const auto& [key, count] : g_stock) {
    units += count;
    ordered = ordered && key.id > previous;
    previous = key.id;
    hashed = hashed && g_ledger.sold.find(Sku{key.id}) != g_ledger.sold.end();
  }
  for (const auto& [key, count] : g_ledger.sold) units += count;
  return std::string("v1 skus ") + std::to_string(g_stock.size()) + " units " + std::to_string(units) +
         (ordered ? " ordered ok" : " ordered BROKEN") + (hashed ? " hashed ok" : " hashed BROKEN") + (returns ? " returns ok" : " returns BROKEN");
}

}  // namespace app
