#include "common/patch_identity.h"

#include <elf.h>

#include <string_view>

#include "common/patch_id.h"

namespace hotswap {

Expected<PatchIdentity> identify_patch(const ElfFile& elf, const std::string& label) {
  if (elf.type() != ET_REL) return make_error("not a patch: " + label + " is not a relocatable object");
  // One manifest and at most one signature, plain and unreferenced: the id's own check
  // (common/patch_id.cc), below.
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
