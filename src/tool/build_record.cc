#include "tool/build_record.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hotswap {

std::string build_record_path(const std::string& binary) { return binary + ".hotswap.json"; }

Expected<BuildRecord> read_build_record(const std::string& binary) {
  std::string path = build_record_path(binary);
  std::ifstream in(path);
  if (!in)
    return make_error(binary + ": no build record " + path +
                      " (was it built with hotswap_add_executable?)");
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(text.str());
    if (j.value("format", 0) != kBuildRecordFormat)
      return make_error(path + ": unsupported build record format");
    BuildRecord r;
    r.binary = j.at("binary").get<std::string>();
    r.build_id = j.at("build_id").get<std::string>();
    r.compiler = j.at("compiler").get<std::string>();
    r.flags = j.at("flags").get<std::string>();
    r.source_root = j.at("source_root").get<std::string>();
    r.include_dirs = j.value("include_dirs", std::vector<std::string>{});
    r.defines = j.value("defines", std::vector<std::string>{});
    for (const auto& o : j.at("objects"))
      r.objects.push_back({o.at("path").get<std::string>(), o.at("source").get<std::string>()});
    return r;
  } catch (const std::exception& e) {
    return make_error(path + ": malformed build record: " + e.what());
  }
}

Status write_build_record(const BuildRecord& r, const std::string& path) {
  nlohmann::json j;
  j["format"] = kBuildRecordFormat;
  j["binary"] = r.binary;
  j["build_id"] = r.build_id;
  j["compiler"] = r.compiler;
  j["flags"] = r.flags;
  j["source_root"] = r.source_root;
  if (!r.include_dirs.empty()) j["include_dirs"] = r.include_dirs;
  if (!r.defines.empty()) j["defines"] = r.defines;
  j["objects"] = nlohmann::json::array();
  for (const auto& o : r.objects) j["objects"].push_back({{"path", o.path}, {"source", o.source}});
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) return make_error(path + ": cannot write build record");
  return Status::success();
}

}  // namespace hotswap
