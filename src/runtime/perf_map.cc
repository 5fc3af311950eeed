#include "runtime/perf_map.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/symbol_index.h"

namespace hotswap {

void publish_to_perf_map(const LinkedPatch& patch) {
  static const bool wanted = std::getenv("HOTSWAP_PERF_MAP") != nullptr;
  if (!wanted) return;
  std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  // Never through a link someone else planted in /tmp; the file is the process owner's.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;  // a profiler's convenience: never a reason to fail a commit
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {  // another user's file
    ::close(fd);
    return;
  }
  std::FILE* out = ::fdopen(fd, "a");
  if (!out) {
    ::close(fd);
    return;
  }
  // "START SIZE NAME", hexadecimal, one function per line.
  for (const ElfSymbol& s : patch.file.elf->symbols()) {
    if (s.type != STT_FUNC || s.shndx == SHN_UNDEF || s.shndx >= patch.sections.size() || s.size == 0) continue;
    if (patch.sections[s.shndx].placement != Placement::kLoad) continue;
    std::fprintf(out, "%llx %llx %s [patch %s]\n", static_cast<unsigned long long>(patch.symbol_values[s.index]),
                 static_cast<unsigned long long>(s.size), demangle(s.name).c_str(),
                 patch.file.manifest.patch_id.substr(0, 12).c_str());
  }
  std::fclose(out);
}

}  // namespace hotswap
