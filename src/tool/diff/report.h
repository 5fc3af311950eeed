// What `hotswap diff` prints: a summary for people, or JSON for scripts.
#pragma once

#include <string>

#include "common/manifest.h"
#include "tool/diff/diff_engine.h"

namespace hotswap::diff {

struct ReportStatus {
  std::string patch;    // the .hsp written, "" if none
  std::string refusal;  // why no patch was written, "" if one was
};

std::string text_report(const DiffResult& result, const Manifest& manifest, const ReportStatus& status);
std::string json_report(const DiffResult& result, const Manifest& manifest, const ReportStatus& status);

}  // namespace hotswap::diff
