#include "runtime/patch_file.h"

#include <sys/stat.h>

#include "common/patch_identity.h"

namespace hotswap {

Expected<PatchFile> read_patch(const std::string& path, const TrustPolicy& policy) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return make_error(path + ": no such patch file");
  if (static_cast<std::size_t>(st.st_size) > kMaxPatchBytes) return make_error(path + ": patch file too large");
  auto elf = ElfFile::open(path);
  if (!elf) return make_error("not a patch: " + elf.error().message);
  auto identity = identify_patch(*elf, path);
  if (!identity) return identity.error();
  // The bytes checked are the bytes linked: everything after this reads `elf`, never the
  // file again.
  if (Status trusted = check_trust(policy, identity->signature, identity->manifest.patch_id); !trusted)
    return make_error(path + ": " + trusted.message());
  PatchFile patch;
  patch.path = path;
  patch.elf = std::make_unique<ElfFile>(std::move(*elf));
  patch.manifest = std::move(identity->manifest);
  patch.key_id = identity->signature.present ? identity->signature.key.id() : "";
  return patch;
}

}  // namespace hotswap
