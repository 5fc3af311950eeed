#include "common/patch_identity.h"

#include <elf.h>

#include <string_view>

#include "common/patch_id.h"

namespace hotswap {

Expected<PatchIdentity> identify_patch(const ElfFile& elf, const std::string& label) {
  if (elf.type() != ET_REL) return make_error("not a patch: " + label + " is not a relocatable object");
  // The id leaves these two sections' bytes out: each must be one, and never loaded.
  for (const char* name : {kManifestSection, kSignatureSection}) {
    int count = 0;
    for (const ElfSection& s : elf.sections())
      if (s.name == name) {
        ++count;
        if (s.flags & SHF_ALLOC) return make_error("not a patch: " + label + ": " + name + " is a loaded section");
      }
    if (count > 1) return make_error("not a patch: " + label + " has " + std::to_string(count) + " " + name + " sections");
  }
  const ElfSection* section = elf.find_section(kManifestSection);
  if (!section || section->bytes.empty())
    return make_error("not a patch: " + label + " has no " + kManifestSection + " section");
  std::string_view text(reinterpret_cast<const char*>(section->bytes.data()), section->bytes.size());
  auto manifest = parse_manifest(text);
  if (!manifest) return make_error(label + ": " + manifest.error().message);
  if (std::string problem = patch_id_problem(elf, manifest->patch_id); !problem.empty())
    return make_error(label + ": " + problem);
  PatchIdentity out;
  // A patch without the section (stripped by a tool) is unsigned, and cannot be signed.
  if (const ElfSection* signature = elf.find_section(kSignatureSection)) {
    if (signature->type == SHT_NOBITS) return make_error(label + ": " + kSignatureSection + " holds no bytes");
    auto parsed = parse_signature_section(signature->bytes);
    if (!parsed) return make_error(label + ": " + parsed.error().message);
    out.signature = *parsed;
    out.has_signature_section = true;
    out.signature_offset = signature->offset;
  }
  out.manifest = std::move(*manifest);
  return out;
}

}  // namespace hotswap
