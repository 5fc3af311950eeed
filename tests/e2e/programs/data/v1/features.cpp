#include <string>

std::string g_log;  // dynamically initialized: a patch must not construct it again

const char* greeting() { return "hello from v1"; }

int classify(int x, int y) {
  switch (x) {
    case 0: return y + 1;
    case 1: return y * 3;
    case 2: return y - 7;
    case 3: return y << 2;
    case 4: return y / 3;
    case 5: return y ^ 0x55;
    case 6: return y % 5;
    case 7: return -y;
    default: return -1;
  }
}

std::string feature(const std::string& arg) {
  g_log += arg;
  return "v1 " + g_log;
}
