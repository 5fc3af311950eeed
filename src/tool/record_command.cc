// `hotswap record`: run by the build after each link of an updateable binary.
#include <elf.h>

#include <filesystem>
#include <iostream>

#include "common/elf_file.h"
#include "tool/build_record.h"
#include "tool/commands.h"

namespace hotswap {

int run_record(const RecordOptions& o) {
  auto binary = ElfFile::open(o.binary);
  if (!binary) {
    std::cerr << "hotswap record: " << binary.error().message << "\n";
    return kExitRefused;
  }
  if (binary->build_id().empty()) {
    std::cerr << "hotswap record: " << o.binary << " has no build-id (link with -Wl,--build-id)\n";
    return kExitRefused;
  }
  BuildRecord r;
  r.binary = std::filesystem::absolute(o.binary).string();
  r.build_id = binary->build_id();
  r.compiler = o.compiler;
  r.flags = o.flags;
  r.source_root = o.source_root;
  for (const std::string& dir : o.include_dirs)
    if (!dir.empty()) r.include_dirs.push_back(std::filesystem::absolute(dir).lexically_normal().string());
  r.defines = o.defines;
  for (const std::string& path : o.objects) {
    auto object = ElfFile::open(path);
    if (!object) {
      std::cerr << "hotswap record: " << object.error().message << "\n";
      return kExitRefused;
    }
    std::string source;
    for (const ElfSymbol& s : object->symbols())
      if (s.type == STT_FILE) {
        source = s.name;
        break;
      }
    r.objects.push_back({std::filesystem::absolute(path).string(), source});
  }
  Status written = write_build_record(r, build_record_path(o.binary));
  if (!written) {
    std::cerr << "hotswap record: " << written.message() << "\n";
    return kExitRefused;
  }
  return kExitDone;
}

}  // namespace hotswap
