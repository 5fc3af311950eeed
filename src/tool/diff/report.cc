#include "tool/diff/report.h"

#include <nlohmann/json.hpp>
#include <map>
#include <sstream>
#include <vector>

#include "common/symbol_names.h"

namespace hotswap::diff {
namespace {

const char* kind_name(ChangeKind k) {
  return k == ChangeKind::kChanged ? "changed" : k == ChangeKind::kNew ? "new" : "removed";
}

const char* data_kind_name(DataChange::Kind k) {
  switch (k) {
    case DataChange::Kind::kNew: return "new";
    case DataChange::Kind::kRemoved: return "removed";
    case DataChange::Kind::kChanged: return "changed";
    case DataChange::Kind::kRenumbered: return "renumbered";
  }
  return "?";
}

std::string where(const SymbolRef& s) { return s.file.empty() ? "" : "  [" + s.file + "]"; }

constexpr const char* kRuntimeRefusesTypes =
    "note: the runtime moves these data and the objects they own with the transform file's transformers, "
    "the program's threads held at update points (docs/type-updates.md)";

}  // namespace

bool library_internal(const std::string& name) {
  if (name.rfind("std::", 0) != 0 && name.rfind("__gnu_cxx::", 0) != 0) return false;
  // The name without its template arguments; its last part is the class itself. Only that
  // part counts: std::__1::vector (libc++) and std::__debug::vector are containers the
  // program chose, whatever the namespace they live in.
  std::string outer;
  int depth = 0;
  for (char c : name) {
    if (c == '<') ++depth;
    else if (c == '>') --depth;
    else if (depth == 0) outer += c;
  }
  std::size_t last = outer.rfind("::");
  std::string leaf = last == std::string::npos ? outer : outer.substr(last + 2);
  return leaf.size() >= 2 && leaf[0] == '_' && (leaf[1] == '_' || (leaf[1] >= 'A' && leaf[1] <= 'Z'));
}

std::string text_report(const DiffResult& r, const Manifest& m, const ReportStatus& status) {
  std::ostringstream out;
  out << "hotswap diff: " << r.old_release->record.binary << " (" << m.base.substr(0, 12) << ") -> "
      << r.new_release->record.binary << " (" << m.target.substr(0, 12) << ")\n";
  std::size_t in_patch = 0;
  for (const auto& c : r.functions) in_patch += c.kind != ChangeKind::kRemoved;
  out << "functions in the patch: " << in_patch << "\n";
  // A constructor's or destructor's variants (C1/C2, D1/D2) demangle alike: one line,
  // with the number of symbols it stands for.
  // Each line once, wherever its twins are listed. Functions whose only change is a constant
  // (a line number an assertion passes shifted by an edit above) come last, together: they
  // are in the patch, but are seldom what the release is about.
  std::vector<std::string> lines, constants;
  std::map<std::string, std::size_t> count;
  for (const auto& c : r.functions) {
    if (c.kind == ChangeKind::kRemoved) continue;
    bool constant = (c.reason.rfind("only a constant changed", 0) == 0 || c.reason.rfind("only constants changed", 0) == 0) &&
                    c.reason.find("; ") == std::string::npos;  // nothing else brought it into the patch
    std::string line = constant ? "    " + demangle(c.symbol.name) + where(c.symbol) + ": " + c.reason.substr(c.reason.find(": ") + 2)
                                : "  " + std::string(c.fragment ? "fragment" : kind_name(c.kind)) + "  " +
                                      demangle(c.symbol.name) + where(c.symbol) + ": " + c.reason;
    if (count[line]++ == 0) (constant ? constants : lines).push_back(line);
  }
  for (const std::string& line : lines)
    out << line << (count[line] > 1 ? " (" + std::to_string(count[line]) + " symbols)" : "") << "\n";
  if (!constants.empty())
    out << "  changed  " << constants.size() << (constants.size() == 1 ? " function" : " functions")
        << " where only constants differ (line numbers, as assertions pass, after an edit above them?):\n";
  for (const std::string& line : constants)
    out << line << (count[line] > 1 ? " (" + std::to_string(count[line]) + " symbols)" : "") << "\n";
  for (const auto& c : r.functions)
    if (c.kind == ChangeKind::kRemoved)
      out << "  removed  " << demangle(c.symbol.name) << where(c.symbol) << ": not in the patch (old code stays)\n";
  if (!r.objects.data.empty()) out << "data:\n";
  for (const auto& d : r.objects.data)
    out << "  " << data_kind_name(d.kind) << "  " << demangle(d.symbol.name) << where(d.symbol) << ": " << d.reason
        << "\n";
  if (!r.types.types.empty() || !r.types.data.empty()) out << "type changes:\n";
  std::size_t internals = 0;
  for (const auto& t : r.types.types) {
    if (library_internal(t.name)) {
      ++internals;
      continue;
    }
    out << "  " << t.name << ":";
    for (const auto& d : t.details) out << " " << d << ";";
    out << "\n";
  }
  if (internals)
    out << "  (and " << internals << " type" << (internals == 1 ? "" : "s")
        << " of the standard library's implementation that hold them; --json lists them)\n";
  for (const auto& t : r.types.reaching) out << "  " << t.name << " (unchanged) " << t.details.front() << ": its objects move too\n";
  for (const auto& d : r.types.data)
    out << "  " << demangle(d.symbol.name) << where(d.symbol) << ": "
        << (!d.reaches.empty() ? "reaches a changed type (" + d.reaches + ")"
            : d.old_type == d.new_type ? "its type " + d.new_type + " changed"
                                       : d.old_type + " -> " + d.new_type)
        << (d.read_only ? " (a constant: it takes the new release's value)\n"
                        : " (the patch gets a new instance, filled by the transformers)\n");
  if (!r.types.signatures.empty()) out << "signature changes:\n";
  for (const auto& s : r.types.signatures) out << "  " << s.old_signature << "  ->  " << s.new_signature << "\n";
  if (!r.types.resigned.empty())
    out << "signature changes of static functions (no stub: every caller is in the patch; old activations keep "
           "the old function):\n";
  for (const auto& s : r.types.resigned) out << "  " << s.old_signature << "  ->  " << s.new_signature << "\n";
  if (!r.types.compatible_signatures.empty())
    out << "signature changes that pass arguments alike (old callers call the new function; no stub):\n";
  for (const auto& s : r.types.compatible_signatures)
    out << "  " << s.old_signature << "  ->  " << s.new_signature << "\n";
  if (!status.patch.empty()) {
    out << "patch " << status.patch << ": " << m.functions.size() << " functions, " << m.data.size() << " data, "
        << m.types.size() << " type changes, " << m.stubs.size() << " stubs; units:";
    for (const auto& u : r.carried_units) out << " " << u;
    out << (r.carried_units.empty() ? " none (empty patch)\n" : "\n");
  }
  if (!m.types.empty()) out << kRuntimeRefusesTypes << "\n";
  return out.str();
}

std::string json_report(const DiffResult& r, const Manifest& m, const ReportStatus& status) {
  using nlohmann::json;
  json j;
  j["old"] = {{"binary", r.old_release->record.binary}, {"build_id", m.base}};
  j["new"] = {{"binary", r.new_release->record.binary}, {"build_id", m.target}};
  j["patch"] = status.patch.empty() ? json(nullptr) : json(status.patch);
  if (!status.refusal.empty()) j["refused"] = status.refusal;
  j["functions"] = json::array();
  for (const auto& c : r.functions) {
    json e = {{"name", c.symbol.name}, {"demangled", demangle(c.symbol.name)}, {"unit", c.unit},
              {"kind", c.fragment ? "fragment" : kind_name(c.kind)}, {"reason", c.reason}};
    if (!c.symbol.file.empty()) e["file"] = c.symbol.file;
    j["functions"].push_back(e);
  }
  j["data"] = json::array();
  for (const auto& d : r.objects.data) {
    json e = {{"name", d.symbol.name}, {"unit", d.unit}, {"kind", data_kind_name(d.kind)}, {"reason", d.reason}};
    if (!d.symbol.file.empty()) e["file"] = d.symbol.file;
    if (d.kind == DataChange::Kind::kRenumbered) e["bind_to"] = d.bind_to.display();
    j["data"].push_back(e);
  }
  j["types"] = json::array();
  for (const auto& t : r.types.types) j["types"].push_back({{"name", t.name}, {"changes", t.details}});
  j["retyped_data"] = json::array();
  for (const auto& d : r.types.data)
    j["retyped_data"].push_back({{"name", d.symbol.display()}, {"old_type", d.old_type}, {"new_type", d.new_type},
                                 {"changed_type", d.changed_type}});
  j["signatures"] = json::array();
  for (const auto& s : r.types.signatures)
    j["signatures"].push_back({{"old", s.old_symbol.display()}, {"new", s.new_symbol.display()},
                               {"old_signature", s.old_signature}, {"new_signature", s.new_signature}});
  j["compatible_signatures"] = json::array();
  for (const auto& s : r.types.compatible_signatures)
    j["compatible_signatures"].push_back({{"old", s.old_symbol.display()}, {"new", s.new_symbol.display()},
                                          {"old_signature", s.old_signature}, {"new_signature", s.new_signature}});
  j["units"] = r.carried_units;
  if (!m.types.empty()) j["note"] = kRuntimeRefusesTypes;
  return j.dump(1);
}

}  // namespace hotswap::diff
