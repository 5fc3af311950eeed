#include "runtime/proc_maps.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace hotswap {
namespace {

// The whole file, in private memory that grows by doubling; nul-terminated.
PrivateArray<char> read_text() {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  PrivateArray<char> text(64 * 1024);
  std::size_t used = 0;
  for (;;) {
    if (used + 1 >= text.capacity()) {
      PrivateArray<char> bigger(text.capacity() * 2);
      if (!bigger.capacity()) break;
      std::memcpy(bigger.begin(), text.begin(), used);
      text = static_cast<PrivateArray<char>&&>(bigger);
    }
    ssize_t n = read(fd, text.begin() + used, text.capacity() - 1 - used);
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  close(fd);
  if (text.capacity()) text.begin()[used] = 0;
  return text;
}

// "lo-hi perms offset dev inode   path"
bool parse_line(const char* line, Mapping& out) {
  char* end;
  out.begin = std::strtoull(line, &end, 16);
  if (*end != '-') return false;
  out.end = std::strtoull(end + 1, &end, 16);
  if (*end != ' ' || out.end <= out.begin) return false;
  out.readable = end[1] == 'r';
  out.writable = end[2] == 'w';
  const char* path = std::strchr(end + 1, '/');
  const char* bracket = std::strchr(end + 1, '[');
  out.anonymous = !path && !bracket;
  out.main_stack = bracket && std::strncmp(bracket, "[stack]", 7) == 0;
  auto under = [path](const char* prefix) { return std::strncmp(path, prefix, std::strlen(prefix)) == 0; };
  out.device = path && under("/dev/") && !under("/dev/zero") && !under("/dev/shm/") && !under("/dev/hugepages/");
  return true;
}

}  // namespace

PrivateArray<Mapping> read_mappings() {
  PrivateArray<char> text = read_text();
  if (!text.capacity()) return {};
  std::size_t lines = 0;
  for (const char* p = text.begin(); *p; ++p) lines += *p == '\n';
  PrivateArray<Mapping> out(lines + 1);
  for (char* line = text.begin(); *line;) {
    char* next = std::strchr(line, '\n');
    if (next) *next = 0;
    Mapping m;
    if (parse_line(line, m)) out.push_back(m);
    if (!next) break;
    line = next + 1;
  }
  return out;
}

}  // namespace hotswap
