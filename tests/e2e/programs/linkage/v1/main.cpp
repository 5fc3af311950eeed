#include <cstdio>
#include <string>

int tls_bump();
int ext_fn(int);
std::string report();
extern void* g_saved_ext_fn;
extern void* g_saved_puts;

std::string handle(const std::string& command) {
  if (command == "store") {
    g_saved_ext_fn = reinterpret_cast<void*>(&ext_fn);
    g_saved_puts = reinterpret_cast<void*>(&puts);
    return "stored";
  }
  if (command == "bump") return std::to_string(tls_bump());
  if (command == "report") return report();
  return "unknown " + command;
}
