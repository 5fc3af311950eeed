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

// Whether a type is one of the standard library's implementation (std::__detail::_Hash_node,
// __gnu_cxx::__aligned_membuf): its own name is reserved. The text report counts these.
bool library_internal(const std::string& type_name);

std::string text_report(const DiffResult& result, const Manifest& manifest, const ReportStatus& status);
std::string json_report(const DiffResult& result, const Manifest& manifest, const ReportStatus& status);

}  // namespace hotswap::diff
