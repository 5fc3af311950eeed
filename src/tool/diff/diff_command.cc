#include "tool/diff/diff_command.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tool/commands.h"
#include "tool/diff/diff_engine.h"
#include "tool/diff/patch_builder.h"
#include "tool/diff/report.h"

namespace hotswap {

int run_diff(const DiffOptions& o) {
  if (o.output.empty()) {
    std::cerr << "hotswap diff: -o PATCH is required\n";
    return kExitUsage;
  }
  if (!o.sign.empty()) {  // a key that cannot sign fails now, not after the whole diff
    if (Status usable = signing_key_usable(o.sign); !usable) {
      std::cerr << "hotswap diff: --sign: " << usable.message() << "\n";
      return kExitUsage;
    }
  }
  auto result = diff::compute_diff(o.old_binary, o.new_binary);
  if (!result) {
    if (o.json) std::cout << nlohmann::json{{"refused", result.error().message}}.dump(1) << "\n";
    std::cerr << "hotswap diff: refused: " << result.error().message << "\n";
    return kExitRefused;
  }
  diff::ReportStatus status;
  auto patch = diff::build_patch(*result, {o.output, o.transform});
  std::string key_id;
  if (patch && !o.sign.empty()) {
    // An unsigned patch where a signed one was asked for is not left behind.
    if (Status signed_now = sign_patch_file(o.output, o.sign, key_id); !signed_now) {
      std::remove(o.output.c_str());
      patch = make_error("the patch could not be signed: " + signed_now.message());
    }
  }
  Manifest manifest = patch ? patch->manifest : diff::make_manifest(*result);
  if (patch) status.patch = o.output;
  else status.refusal = patch.error().message;
  std::cout << (o.json ? diff::json_report(*result, manifest, status) + "\n"
                       : diff::text_report(*result, manifest, status));
  if (!patch) {
    std::cerr << "hotswap diff: refused: " << patch.error().message << "\n";
    return kExitRefused;
  }
  if (!key_id.empty() && !o.json) std::cout << "signed with key " << key_id << "\n";
  return kExitDone;
}

}  // namespace hotswap
