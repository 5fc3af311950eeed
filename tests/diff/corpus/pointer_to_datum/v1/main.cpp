// A registry in the program's data holds the address of a global whose type changes: it
// would keep pointing at the old instance, so diff refuses and names the holder.
#include <cstdio>
struct Bank {
  long total;
};
Bank g_bank{100};
void* g_registry[1] = {&g_bank};
__attribute__((noinline)) long total() { return static_cast<Bank*>(g_registry[0])->total + g_bank.total; }
int main() { std::printf("%ld\n", total()); }
