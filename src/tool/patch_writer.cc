#include "tool/patch_writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/elf_file.h"
#include "common/hash.h"
#include "common/patch_id.h"
#include "common/patch_signature.h"
#include "tool/subprocess.h"

namespace hotswap {

Status write_patch(const std::vector<std::string>& objects, Manifest& manifest, const std::string& output) {
  std::string tmp_obj = output + ".tmp.o", tmp_manifest = output + ".manifest.json";
  // Copies without __patchable_function_entries: GCC leaves that table outside the COMDAT
  // groups, so `ld -r` would fail on it when it drops a duplicate group (see
  // cmake/hotswap-link.ld); the runtime finds entries by their NOPs.
  // Each unit's sections stay its own (--unique): `ld -r` would otherwise join sections of
  // the same name from different units into one — `.bss._ZStL8__ioinit` of every unit that
  // includes <iostream>, `.text.helper` of two files' static helper — and a section that
  // holds one unit's running datum and another's new one cannot be placed.
  std::vector<std::string> ld = {"ld", "-r"}, copies;
  for (const char* kind : {".text.*", ".data.*", ".bss.*", ".rodata.*", ".tdata.*", ".tbss.*", ".data.rel.ro.*"})
    ld.push_back(std::string("--unique=") + kind);
  ld.insert(ld.end(), {"-o", tmp_obj});
  for (std::size_t i = 0; i < objects.size(); ++i) {
    copies.push_back(output + ".in" + std::to_string(i) + ".o");
    Status copied = run_program({"objcopy", "--remove-section=__patchable_function_entries", objects[i], copies.back()});
    if (!copied) return copied;
  }
  if (copies.empty()) {
    // An empty patch (nothing changed) is still a valid relocatable: ld -r needs an input.
    copies.push_back(output + ".empty.o");
    Status made = run_program({"as", "--64", "-o", copies.back(), "/dev/null"});
    if (!made) return made;
  }
  ld.insert(ld.end(), copies.begin(), copies.end());
  Status linked = run_program(ld);
  for (const std::string& c : copies) std::filesystem::remove(c);
  if (!linked) return linked;

  // The manifest goes in with 64 '0's for its id and the signature's section as zeros
  // (unsigned, for `hotswap sign` to fill in place); the id is the hash of the result
  // (common/patch_id.h), then written over the '0's: the file changes in those bytes only.
  manifest.patch_id = kPatchIdPlaceholder;
  std::ofstream(tmp_manifest) << serialize_manifest(manifest);
  std::string tmp_signature = output + ".signature";
  std::ofstream(tmp_signature, std::ios::binary) << std::string(kSignatureSectionBytes, '\0');
  Status packed = run_program({"objcopy", "--add-section", std::string(kManifestSection) + "=" + tmp_manifest,
                               "--set-section-flags", std::string(kManifestSection) + "=readonly", "--add-section",
                               std::string(kSignatureSection) + "=" + tmp_signature, "--set-section-flags",
                               std::string(kSignatureSection) + "=readonly", tmp_obj, output});
  std::filesystem::remove(tmp_obj);
  std::filesystem::remove(tmp_signature);
  if (packed) {
    std::ifstream in(output, std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto sealed = reseal_patch(bytes) ? ElfFile::from_bytes(bytes, output) : Expected<ElfFile>(make_error("cannot seal"));
    auto id = sealed ? compute_patch_id(*sealed) : Expected<std::string>(sealed.error());
    if (!id) {
      packed = make_error(output + ": cannot compute the patch id: " + id.error().message);
    } else {
      manifest.patch_id = *id;
      std::ofstream out(output, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out.flush()) packed = make_error("cannot write " + output);
    }
  }
  std::filesystem::remove(tmp_manifest);
  return packed;
}

}  // namespace hotswap
