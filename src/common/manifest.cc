#include "common/manifest.h"

#include "common/scrubbed_json.h"

namespace hotswap {
namespace {

// The runtime parses a manifest at every apply: a null value's padding could otherwise
// carry a stale patch address from one parse to the next (scrubbing_allocator.h).
using json = ScrubbedJson;

json ref_to_json(const SymbolRef& r) {
  json j = {{"name", r.name}};
  if (!r.file.empty()) j["file"] = r.file;
  return j;
}

// Reads a required string member; throws json::exception with a clear path on mismatch.
std::string required_string(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string())
    throw std::runtime_error(where + ": missing string \"" + key + "\"");
  return j[key].get<std::string>();
}

std::string optional_string(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

SymbolRef ref_from_json(const json& j, const std::string& where) {
  return SymbolRef{required_string(j, "name", where), optional_string(j, "file")};
}

json mask_to_json(const std::vector<CodeMask>& mask) {
  json a = json::array();
  for (const CodeMask& m : mask) a.push_back({m.offset, m.width});
  return a;
}

std::vector<CodeMask> mask_from_json(const json& j, const char* key) {
  std::vector<CodeMask> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) throw std::runtime_error(std::string("\"") + key + "\" is not an array");
  for (const json& e : j[key]) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_unsigned() || !e[1].is_number_unsigned() ||
        e[1].get<std::uint64_t>() > 8)
      throw std::runtime_error(std::string("bad entry in \"") + key + "\"");
    out.push_back({e[0].get<std::uint32_t>(), e[1].get<std::uint32_t>()});
  }
  return out;
}

const json& array_member(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.contains(key)) return empty;
  if (!j[key].is_array()) throw std::runtime_error(std::string("\"") + key + "\" is not an array");
  return j[key];
}

}  // namespace

std::string serialize_manifest(const Manifest& m) {
  json j;
  j["format"] = m.format;
  j["patch_id"] = m.patch_id;
  j["base"] = m.base;
  j["target"] = m.target;
  j["functions"] = json::array();
  for (const auto& f : m.functions) {
    json e = ref_to_json(f.symbol);
    e["kind"] = f.kind == ManifestFunction::Kind::kChanged ? "changed"
                : f.kind == ManifestFunction::Kind::kNew   ? "new"
                                                           : "resigned";
    if (!f.old_hash.empty()) e["old_hash"] = f.old_hash;
    if (!f.old_mask.empty()) e["old_mask"] = mask_to_json(f.old_mask);
    if (!f.new_mask.empty()) e["new_mask"] = mask_to_json(f.new_mask);
    if (f.old_size) e["old_size"] = f.old_size;
    if (!f.new_hash.empty()) e["new_hash"] = f.new_hash;
    if (!f.reason.empty()) e["reason"] = f.reason;
    j["functions"].push_back(e);
  }
  j["data"] = json::array();
  for (const auto& d : m.data) {
    json e = ref_to_json(d.symbol);
    e["kind"] = d.kind == ManifestData::Kind::kNew ? "new" : "bind";
    if (d.kind == ManifestData::Kind::kBind) e["bind_to"] = ref_to_json(d.bind_to);
    j["data"].push_back(e);
  }
  j["types"] = json::array();
  for (const auto& t : m.types) j["types"].push_back({{"type", t.type_name}, {"transformer", t.transformer}});
  if (!m.migrations.empty()) {  // absent when empty: older runtimes read such patches
    j["migrations"] = json::array();
    for (const auto& g : m.migrations) {
      json e = ref_to_json(g.symbol);
      e["type"] = g.type;
      e["transformer"] = g.transformer;
      if (!g.inverse.empty()) e["inverse"] = g.inverse;
      if (!g.discard.empty()) e["discard"] = g.discard;
      j["migrations"].push_back(e);
    }
  }
  j["stubs"] = json::array();
  for (const auto& s : m.stubs) {
    json e = ref_to_json(s.function);
    e["stub"] = s.stub;
    j["stubs"].push_back(e);
  }
  return j.dump(1);
}

Expected<Manifest> parse_manifest(std::string_view text) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) return make_error("manifest is not a JSON object");
    if (!j.contains("format") || !j["format"].is_number_integer())
      return make_error("manifest has no format version");
    Manifest m;
    m.format = j["format"].get<int>();
    if (m.format != kManifestFormat)
      return make_error("manifest format " + std::to_string(m.format) + " is not supported (expected " +
                        std::to_string(kManifestFormat) + ")");
    m.patch_id = required_string(j, "patch_id", "manifest");
    m.base = required_string(j, "base", "manifest");
    m.target = required_string(j, "target", "manifest");
    for (const json& e : array_member(j, "functions")) {
      ManifestFunction f;
      f.symbol = ref_from_json(e, "manifest function");
      std::string kind = required_string(e, "kind", "manifest function " + f.symbol.name);
      if (kind == "changed") f.kind = ManifestFunction::Kind::kChanged;
      else if (kind == "new") f.kind = ManifestFunction::Kind::kNew;
      else if (kind == "resigned") f.kind = ManifestFunction::Kind::kResigned;
      else return make_error("manifest function " + f.symbol.name + ": unknown kind \"" + kind + "\"");
      f.old_hash = optional_string(e, "old_hash");
      f.new_hash = optional_string(e, "new_hash");
      f.reason = optional_string(e, "reason");
      f.old_mask = mask_from_json(e, "old_mask");
      f.new_mask = mask_from_json(e, "new_mask");
      if (e.contains("old_size") && e["old_size"].is_number_unsigned()) f.old_size = e["old_size"].get<std::uint64_t>();
      if (f.kind == ManifestFunction::Kind::kChanged && f.old_hash.empty())
        return make_error("manifest function " + f.symbol.name + ": changed but no old_hash");
      m.functions.push_back(std::move(f));
    }
    for (const json& e : array_member(j, "data")) {
      ManifestData d;
      d.symbol = ref_from_json(e, "manifest data");
      std::string kind = required_string(e, "kind", "manifest data " + d.symbol.name);
      if (kind == "new") d.kind = ManifestData::Kind::kNew;
      else if (kind == "bind") {
        d.kind = ManifestData::Kind::kBind;
        if (!e.contains("bind_to")) return make_error("manifest data " + d.symbol.name + ": bind without bind_to");
        d.bind_to = ref_from_json(e["bind_to"], "manifest data " + d.symbol.name);
      } else {
        return make_error("manifest data " + d.symbol.name + ": unknown kind \"" + kind + "\"");
      }
      m.data.push_back(std::move(d));
    }
    for (const json& e : array_member(j, "types"))
      m.types.push_back({required_string(e, "type", "manifest type"), optional_string(e, "transformer")});
    for (const json& e : array_member(j, "migrations")) {
      ManifestMigration g;
      g.symbol = ref_from_json(e, "manifest migration");
      g.type = optional_string(e, "type");
      g.transformer = required_string(e, "transformer", "manifest migration " + g.symbol.name);
      g.inverse = optional_string(e, "inverse");
      g.discard = optional_string(e, "discard");
      m.migrations.push_back(std::move(g));
    }
    for (const json& e : array_member(j, "stubs")) {
      ManifestStub stub;
      stub.function = ref_from_json(e, "manifest stub");
      stub.stub = optional_string(e, "stub");  // absent in patches made before stubs were installed
      m.stubs.push_back(std::move(stub));
    }
    return m;
  } catch (const std::exception& e) {
    return make_error(std::string("manifest is malformed: ") + e.what());
  }
}

}  // namespace hotswap
