#include "common/patch_id.h"

#include <elf.h>
#include <sodium.h>

#include <algorithm>
#include <string_view>

#include "common/hash.h"
#include "common/manifest.h"
#include "common/patch_signature.h"

namespace hotswap {
namespace {

// A window of the file the hash sees as `fill`.
struct Blank {
  std::uint64_t offset = 0, size = 0;
  unsigned char fill = 0;
};

// Where the id's digits and the signature lie in the file.
Expected<std::vector<Blank>> blanks_of(const ElfFile& patch) {
  const ElfSection* manifest = nullptr;
  const ElfSection* signature = nullptr;
  for (const ElfSection& s : patch.sections()) {
    const ElfSection** slot = s.name == kManifestSection ? &manifest : s.name == kSignatureSection ? &signature : nullptr;
    if (!slot) continue;
    if (*slot) return make_error("two " + s.name + " sections");
    if (s.type == SHT_NOBITS || (s.flags & SHF_ALLOC)) return make_error(s.name + " is not a plain non-loaded section");
    *slot = &s;
  }
  if (!manifest) return make_error(std::string("no ") + kManifestSection + " section");
  std::string_view text(reinterpret_cast<const char*>(manifest->bytes.data()), manifest->bytes.size());
  auto parsed = parse_manifest(text);
  if (!parsed) return parsed.error();
  if (parsed->patch_id.size() != kPatchIdHexDigits)
    return make_error("its id " + parsed->patch_id + " is not a BLAKE2b hash: it was made by an earlier hotswap; make it again");
  // The manifest's first occurrence of the id's text is the id: the hash fixes every other
  // byte, so the window cannot be moved without changing the id.
  std::size_t at = text.find(parsed->patch_id);
  if (at == std::string_view::npos) return make_error("the manifest's id is not in its text");
  std::vector<Blank> blanks{{manifest->offset + at, kPatchIdHexDigits, '0'}};
  if (signature) {
    if (signature->size != kSignatureSectionBytes)
      return make_error(std::string(kSignatureSection) + " has " + std::to_string(signature->size) + " bytes, not " +
                        std::to_string(kSignatureSectionBytes));
    blanks.push_back({signature->offset, signature->size, 0});
  }
  std::sort(blanks.begin(), blanks.end(), [](const Blank& a, const Blank& b) { return a.offset < b.offset; });
  if (blanks.size() == 2 && blanks[0].offset + blanks[0].size > blanks[1].offset)
    return make_error("the manifest's id and the signature overlap");
  // A window inside another section (or the ELF header) would let that section's bytes
  // vary under one id.
  for (const Blank& b : blanks) {
    if (b.offset < 64) return make_error("the manifest or signature lies in the ELF header");
    for (const ElfSection& s : patch.sections()) {
      if (&s == manifest || &s == signature || s.type == SHT_NOBITS || s.type == SHT_NULL || s.size == 0) continue;
      if (s.offset < b.offset + b.size && b.offset < s.offset + s.size)
        return make_error("section " + s.name + " overlaps the manifest's id or the signature");
    }
  }
  return blanks;
}

}  // namespace

Expected<std::string> compute_patch_id(const ElfFile& patch) {
  auto blanks = blanks_of(patch);
  if (!blanks) return blanks.error();
  (void)crypto_ready();  // BLAKE2b needs no initialization, but libsodium asks for it
  crypto_generichash_state state;
  constexpr std::size_t kBytes = kPatchIdHexDigits / 2;
  crypto_generichash_init(&state, nullptr, 0, kBytes);
  std::span<const unsigned char> file = patch.bytes();
  std::uint64_t at = 0;
  std::vector<unsigned char> fill;
  for (const Blank& b : *blanks) {
    crypto_generichash_update(&state, file.data() + at, b.offset - at);
    fill.assign(b.size, b.fill);
    crypto_generichash_update(&state, fill.data(), fill.size());
    at = b.offset + b.size;
  }
  crypto_generichash_update(&state, file.data() + at, file.size() - at);
  unsigned char digest[kBytes];
  crypto_generichash_final(&state, digest, kBytes);
  return hex_bytes(digest);
}

std::string patch_id_problem(const ElfFile& patch, const std::string& claimed) {
  auto id = compute_patch_id(patch);
  if (!id) return id.error().message;
  if (*id != claimed) return "the patch is corrupt: its content does not match its id " + claimed;
  return "";
}

bool reseal_patch(std::vector<unsigned char>& bytes) {
  auto elf = ElfFile::from_bytes(bytes, "patch");
  if (!elf) return false;
  auto id = compute_patch_id(*elf);
  auto blanks = blanks_of(*elf);
  if (!id || !blanks) return false;
  for (const Blank& b : *blanks)
    if (b.fill == '0') std::copy(id->begin(), id->end(), bytes.begin() + static_cast<std::ptrdiff_t>(b.offset));
  return true;
}

}  // namespace hotswap
