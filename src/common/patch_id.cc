#include "common/patch_id.h"

#include <elf.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
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
    // Bytes the id does not cover must be read as nothing but the manifest's text and a
    // signature: plain data, loaded by no one, linked to nothing.
    if (s.type != SHT_PROGBITS || (s.flags & SHF_ALLOC) || s.link || s.info || s.entsize)
      return make_error(s.name + " is not a plain non-loaded data section");
    *slot = &s;
  }
  for (const ElfSection& s : patch.sections())
    for (const ElfSection* window : {manifest, signature})
      if (window && (s.link == window->index || (((s.flags & SHF_INFO_LINK) || s.type == SHT_RELA) && s.info == window->index)))
        return make_error("section " + s.name + " refers to " + window->name);
  for (const ElfSymbol& sym : patch.symbols())
    for (const ElfSection* window : {manifest, signature})
      if (window && sym.shndx == window->index) return make_error("symbol " + sym.name + " is defined in " + window->name);
  for (const ElfGroup& g : patch.groups())
    for (std::uint32_t member : g.members)
      for (const ElfSection* window : {manifest, signature})
        if (window && member == window->index) return make_error("a section group holds " + window->name);
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
  // A window inside another section, the ELF header or a header table would let those
  // bytes vary under one id. (The id's window lies in the manifest by construction; the
  // signature's may not.)
  std::span<const unsigned char> file = patch.bytes();
  Elf64_Ehdr ehdr{};
  if (file.size() < sizeof ehdr) return make_error("no ELF header");
  std::memcpy(&ehdr, file.data(), sizeof ehdr);
  auto overlaps = [](std::uint64_t a, std::uint64_t a_size, std::uint64_t b, std::uint64_t b_size) {
    return a < b + b_size && b < a + a_size;
  };
  for (const ElfSection* window : {manifest, signature})
    if (window && ehdr.e_shstrndx == window->index) return make_error("section names are read from " + window->name);
  for (const Blank& b : blanks) {
    if (overlaps(b.offset, b.size, 0, sizeof ehdr) ||
        overlaps(b.offset, b.size, ehdr.e_shoff, std::uint64_t{ehdr.e_shnum} * ehdr.e_shentsize) ||
        overlaps(b.offset, b.size, ehdr.e_phoff, std::uint64_t{ehdr.e_phnum} * ehdr.e_phentsize))
      return make_error("the manifest's id or the signature overlaps the ELF header or a header table");
    for (const ElfSection& s : patch.sections()) {
      if (s.type == SHT_NOBITS || s.type == SHT_NULL || s.size == 0) continue;
      if (&s == signature || (&s == manifest && b.fill == '0')) continue;
      if (overlaps(s.offset, s.size, b.offset, b.size))
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
