#include <string>

std::string g_log;  // dynamically initialized: a patch must not construct it again
int g_added = 42;
std::string g_added_name = "added";  // new, dynamically initialized

const char* greeting() { return "hello from v2"; }

int classify(int x, int y) {
  switch (x) {
    case 0: return y + 1000;
    case 1: return y * 7;
    case 2: return y - 70;
    case 3: return y << 5;
    case 4: return y / 9;
    case 5: return y ^ 0xaa;
    case 6: return y % 7;
    case 7: return y * y;
    default: return -2;
  }
}

int added_function() { return g_added + static_cast<int>(g_added_name.size()); }

std::string feature(const std::string& arg) {
  g_log += arg;
  return "v2 " + g_log + " " + std::to_string(added_function());
}
