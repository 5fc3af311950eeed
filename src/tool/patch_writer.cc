#include "tool/patch_writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/hash.h"
#include "tool/subprocess.h"

namespace hotswap {

Status write_patch(const std::vector<std::string>& objects, Manifest& manifest, const std::string& output) {
  std::string tmp_obj = output + ".tmp.o", tmp_manifest = output + ".manifest.json";
  std::vector<std::string> ld = {"ld", "-r", "-o", tmp_obj};
  ld.insert(ld.end(), objects.begin(), objects.end());
  Status linked = run_program(ld);
  if (!linked) return linked;

  std::ifstream in(tmp_obj, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Fnv1a64 h;
  h.add(bytes);
  h.add(manifest.base);
  h.add(manifest.target);
  manifest.patch_id = hex64(h.value());

  std::ofstream(tmp_manifest) << serialize_manifest(manifest);
  Status packed = run_program({"objcopy", "--add-section",
                               std::string(kManifestSection) + "=" + tmp_manifest, "--set-section-flags",
                               std::string(kManifestSection) + "=readonly", tmp_obj, output});
  std::filesystem::remove(tmp_obj);
  std::filesystem::remove(tmp_manifest);
  return packed;
}

}  // namespace hotswap
