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

  // The manifest goes in with an empty id; the id is the hash of the result (common/
  // patch_id.h), then written in place: updating that section changes no other. The
  // signature's section goes in as zeros (unsigned), for `hotswap sign` to fill in place.
  manifest.patch_id.clear();
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
    auto written = ElfFile::open(output);
    if (!written) {
      packed = written.error();
    } else {
      manifest.patch_id = compute_patch_id(*written, manifest);
      std::ofstream(tmp_manifest) << serialize_manifest(manifest);
      packed = run_program({"objcopy", "--update-section", std::string(kManifestSection) + "=" + tmp_manifest, output});
    }
  }
  std::filesystem::remove(tmp_manifest);
  return packed;
}

}  // namespace hotswap
