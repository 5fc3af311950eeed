#include <cstdio>

#include "app.h"
app::Pool<app::Item, 4> g_pool;
__attribute__((noinline)) int touch(int n) {
  g_pool.add()->a = n;
  return g_pool.at(0).a + g_pool.used;
}
int main() { std::printf("%d\n", touch(3)); }
