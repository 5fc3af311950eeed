#include "common/patch_id.h"

#include "common/hash.h"

namespace hotswap {

std::string compute_patch_id(const ElfFile& patch, const Manifest& manifest) {
  Fnv1a64 h;
  for (const ElfSection& s : patch.sections()) {
    if (s.name == kManifestSection) continue;
    h.add(s.name + "|" + std::to_string(s.type) + "|" + std::to_string(s.flags) + "|" + std::to_string(s.size) + "|" +
          std::to_string(s.align) + "|" + std::to_string(s.entsize) + "|" + std::to_string(s.link) + "|" +
          std::to_string(s.info) + "|");
    h.add(s.bytes);
  }
  Manifest without_id = manifest;
  without_id.patch_id.clear();
  h.add(serialize_manifest(without_id));
  return hex64(h.value());
}

}  // namespace hotswap
