#include <cstdio>
#include <unordered_map>

#include "app.h"
std::unordered_map<app::Key, long, app::AnyHash> g_hits;
__attribute__((noinline)) long touch(int n) { return ++g_hits[app::Key{n}]; }
int main() { std::printf("%ld\n", touch(3)); }
