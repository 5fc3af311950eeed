// std::call_once reaches two thread-locals of the C++ library (initial-exec TLS of a
// shared library) from inline code.
#include <mutex>

static std::once_flag s_flag;
static int s_value = 0;

int once_value() {
  std::call_once(s_flag, [] { s_value += 5; });
  return s_value;
}
