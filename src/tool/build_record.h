// The build record NAME.hotswap.json written next to every updateable binary: all that
// `hotswap diff` and `hotswap pack` need to find a release's objects.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"

namespace hotswap {

inline constexpr int kBuildRecordFormat = 1;

struct BuildRecordObject {
  std::string path;    // absolute path of the object file
  std::string source;  // the translation unit's STT_FILE name (relative to source_root)
};

struct BuildRecord {
  std::string binary;
  std::string build_id;
  std::string compiler;  // "GNU 12.2.0"
  std::string flags;     // the build type's flags; per-object flags are in DW_AT_producer
  std::string source_root;
  // What compiles the new release's headers: a transform file includes them (absent in
  // records written before these were kept).
  std::vector<std::string> include_dirs;  // absolute
  std::vector<std::string> defines;       // "NAME" or "NAME=VALUE"
  std::vector<BuildRecordObject> objects;
};

std::string build_record_path(const std::string& binary);
Expected<BuildRecord> read_build_record(const std::string& binary);
Status write_build_record(const BuildRecord& record, const std::string& path);

}  // namespace hotswap
