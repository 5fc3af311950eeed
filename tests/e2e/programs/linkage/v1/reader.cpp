// Reads state defined in another translation unit: extern thread_local (GOTTPOFF and the
// weak TLS init function through the GOT), a function's address (GOTPCRELX), extern data,
// and a shared library's function and data (stdout).
#include <cstdio>
#include <string>

extern thread_local int tl_counter;
extern int ext_data;
extern void* g_saved_ext_fn;
extern void* g_saved_puts;
int ext_fn(int);

std::string report() {
  bool same_fn = g_saved_ext_fn == reinterpret_cast<void*>(&ext_fn);
  bool same_puts = g_saved_puts == reinterpret_cast<void*>(&puts);
  return "v1 " + std::to_string(tl_counter) + " " + std::to_string(ext_data) + " " + std::to_string(same_fn) +
         std::to_string(same_puts) + " " + std::to_string(stdout != nullptr);
}
