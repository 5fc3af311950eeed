#include "runtime/patch_file.h"

#include "common/patch_id.h"

#include <elf.h>
#include <sys/stat.h>

#include <string_view>

namespace hotswap {

Expected<PatchFile> read_patch(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return make_error(path + ": no such patch file");
  if (static_cast<std::size_t>(st.st_size) > kMaxPatchBytes) return make_error(path + ": patch file too large");
  auto elf = ElfFile::open(path);
  if (!elf) return make_error("not a patch: " + elf.error().message);
  if (elf->type() != ET_REL) return make_error("not a patch: " + path + " is not a relocatable object");
  const ElfSection* section = elf->find_section(kManifestSection);
  if (!section || section->bytes.empty())
    return make_error("not a patch: " + path + " has no " + kManifestSection + " section");
  std::string_view text(reinterpret_cast<const char*>(section->bytes.data()), section->bytes.size());
  auto manifest = parse_manifest(text);
  if (!manifest) return make_error(path + ": " + manifest.error().message);
  if (compute_patch_id(*elf, *manifest) != manifest->patch_id)
    return make_error(path + ": the patch is corrupt: its content does not match its id " + manifest->patch_id);
  PatchFile patch;
  patch.path = path;
  patch.elf = std::make_unique<ElfFile>(std::move(*elf));
  patch.manifest = std::move(*manifest);
  return patch;
}

}  // namespace hotswap
