#include <string>

std::string probe() { return "v1"; }
