#include <cstring>
#include <string>

const char* g_prefix = "prefix";
std::size_t g_prefix_length = std::strlen(g_prefix);  // dynamic initialization
int g_calls = 0;                                     // new data: the patch's initializers run

std::size_t prefix_length() { return g_prefix_length + 0 * ++g_calls; }
