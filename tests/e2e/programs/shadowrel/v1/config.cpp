// A bound datum that holds a pointer (it has a relocation) is read by a
// static initializer of a patch that brings new data. The initializer sees the shadow copy,
// which must hold the patch's image relocated (a pointer, not 0).
#include <cstring>
#include <string>

const char* g_prefix = "prefix";
std::size_t g_prefix_length = std::strlen(g_prefix);  // dynamic initialization

std::size_t prefix_length() { return g_prefix_length; }
