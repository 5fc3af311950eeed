#include "tool/process_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <map>
#include <span>
#include <utility>

#include "common/hash.h"
#include "tool/target_socket.h"

namespace hotswap {
namespace {

// The build-id in the notes of an open ELF file; "" if none.
std::string build_id_in(int fd) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) return "";
  std::string id;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn && id.empty(); scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || !data->d_buf) continue;
    GElf_Nhdr note;
    std::size_t name_at = 0, desc_at = 0;
    for (std::size_t at = 0; (at = gelf_getnote(data, at, &note, &name_at, &desc_at)) > 0;) {
      const auto* bytes = static_cast<const unsigned char*>(data->d_buf);
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(bytes + name_at, "GNU", 4) == 0) {
        id = hex_bytes(std::span(bytes + desc_at, note.n_descsz));
        break;
      }
    }
  }
  elf_end(elf);
  return id;
}

}  // namespace

Expected<std::string> build_id_of(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
  std::string id = build_id_in(fd);
  close(fd);
  if (id.empty()) return make_error(path + " has no build-id: it is not an updateable program");
  return id;
}

ProcessScan processes_running(const std::string& build_id, const std::string& proc) {
  ProcessScan out;
  DIR* dir = opendir(proc.c_str());
  if (!dir) return out;
  // Executables by file: a thousand processes of one build read its notes once.
  std::map<std::pair<dev_t, ino_t>, bool> matches;
  pid_t self = getpid();
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == self) continue;
    std::string exe = proc + "/" + entry->d_name + "/exe";
    struct stat st{};
    if (stat(exe.c_str(), &st) != 0) {
      // Not ours to see (hidden if it is our own user's), a kernel thread, or gone.
      // (/proc/PID itself then belongs to root: the owner is the real uid in its status.)
      if (errno == EACCES) {
        std::ifstream in(proc + "/" + entry->d_name + "/status");
        std::ostringstream status;
        status << in.rdbuf();
        if (auto uid = real_uid_from_status(status.str()); uid && *uid == getuid())
          out.hidden.push_back(static_cast<pid_t>(pid));
      }
      continue;
    }
    auto key = std::make_pair(st.st_dev, st.st_ino);
    auto known = matches.find(key);
    if (known == matches.end()) {
      int fd = open(exe.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // gone since, or not ours after all: asked again for the next
      bool same = build_id_in(fd) == build_id;
      close(fd);
      known = matches.emplace(key, same).first;
    }
    if (known->second) out.matching.push_back(static_cast<pid_t>(pid));
  }
  closedir(dir);
  std::sort(out.matching.begin(), out.matching.end());
  return out;
}

}  // namespace hotswap
