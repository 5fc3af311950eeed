#include "common/patch_id.h"

#include <sodium.h>

#include <cstring>

#include "common/hash.h"
#include "common/patch_signature.h"

namespace hotswap {
namespace {

class Blake2b {
 public:
  Blake2b() { crypto_generichash_init(&state_, nullptr, 0, kBytes); }
  void add(std::span<const unsigned char> bytes) { crypto_generichash_update(&state_, bytes.data(), bytes.size()); }
  void add(const std::string& s) { add(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size())); }
  std::string hex() {
    unsigned char digest[kBytes];
    crypto_generichash_final(&state_, digest, kBytes);
    return hex_bytes(digest);
  }

 private:
  static constexpr std::size_t kBytes = kPatchIdHexDigits / 2;
  crypto_generichash_state state_;
};

}  // namespace

std::string compute_patch_id(const ElfFile& patch, const Manifest& manifest) {
  (void)crypto_ready();  // BLAKE2b needs no initialization, but libsodium asks for it
  Blake2b h;
  for (const ElfSection& s : patch.sections()) {
    // The manifest holds the id, and the signature signs it: of those two sections only
    // what filling them in leaves alone counts (the manifest's text counts below).
    if (s.name == kManifestSection || s.name == kSignatureSection) {
      h.add(s.name + "|" + std::to_string(s.type) + "|" + std::to_string(s.flags) + "|");
      continue;
    }
    h.add(s.name + "|" + std::to_string(s.type) + "|" + std::to_string(s.flags) + "|" + std::to_string(s.addr) + "|" + std::to_string(s.size) + "|" +
          std::to_string(s.align) + "|" + std::to_string(s.entsize) + "|" + std::to_string(s.link) + "|" +
          std::to_string(s.info) + "|");
    h.add(s.bytes);
  }
  Manifest without_id = manifest;
  without_id.patch_id.clear();
  h.add(serialize_manifest(without_id));
  return h.hex();
}

std::string patch_id_problem(const ElfFile& patch, const Manifest& manifest) {
  if (manifest.patch_id.size() != kPatchIdHexDigits)
    return "its id " + manifest.patch_id + " is not a BLAKE2b hash: it was made by an earlier hotswap; make it again";
  if (compute_patch_id(patch, manifest) != manifest.patch_id)
    return "the patch is corrupt: its content does not match its id " + manifest.patch_id;
  return "";
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
