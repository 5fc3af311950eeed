#include "tool/diff/diff_command.h"

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
  auto result = diff::compute_diff(o.old_binary, o.new_binary);
  if (!result) {
    if (o.json) std::cout << nlohmann::json{{"refused", result.error().message}}.dump(1) << "\n";
    std::cerr << "hotswap diff: refused: " << result.error().message << "\n";
    return kExitRefused;
  }
  diff::ReportStatus status;
  auto patch = diff::build_patch(*result, {o.output, o.transform});
  Manifest manifest = patch ? patch->manifest : diff::make_manifest(*result);
  if (patch) status.patch = o.output;
  else status.refusal = patch.error().message;
  std::cout << (o.json ? diff::json_report(*result, manifest, status) + "\n"
                       : diff::text_report(*result, manifest, status));
  if (!patch) {
    std::cerr << "hotswap diff: refused: " << patch.error().message << "\n";
    return kExitRefused;
  }
  return kExitDone;
}

}  // namespace hotswap
