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

bool reseal_patch(std::vector<unsigned char>& bytes) {
  auto elf = ElfFile::from_bytes(bytes, "patch");
  if (!elf) return false;
  const ElfSection* section = elf->find_section(kManifestSection);
  if (!section || section->bytes.empty()) return false;
  std::string text(section->bytes.begin(), section->bytes.end());
  auto manifest = parse_manifest(text);
  if (!manifest || manifest->patch_id.empty()) return false;
  std::string id = compute_patch_id(*elf, *manifest);
  std::size_t at = text.find(manifest->patch_id);
  if (at == std::string::npos || id.size() != manifest->patch_id.size()) return false;
  std::copy(id.begin(), id.end(), bytes.begin() + static_cast<std::ptrdiff_t>(section->offset + at));
  return true;
}

}  // namespace hotswap
