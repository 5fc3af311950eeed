#include "tool/diff/diff_engine.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/symbol_index.h"
#include "tool/diff/build_settings.h"

namespace hotswap::diff {
namespace {

Expected<std::unique_ptr<Release>> load_release(const std::string& binary) {
  auto release = std::make_unique<Release>();
  auto record = read_build_record(binary);
  if (!record) return record.error();
  release->record = std::move(*record);
  auto elf = ElfFile::open(binary);
  if (!elf) return elf.error();
  release->binary = std::make_unique<ElfFile>(std::move(*elf));
  if (release->binary->build_id() != release->record.build_id)
    return make_error(binary + ": its build record is stale (build-id " + release->record.build_id.substr(0, 12) +
                      " recorded, " + release->binary->build_id().substr(0, 12) + " in the binary)");
  for (const BuildRecordObject& o : release->record.objects) {
    auto object = ElfFile::open(o.path);
    if (!object) return make_error("object of " + binary + " (" + o.source + ") is missing or unreadable: " +
                                   object.error().message);
    if (object->type() != 1 /* ET_REL */) return make_error(o.path + ": not a relocatable object");
    release->objects.push_back(std::make_unique<ElfFile>(std::move(*object)));
  }
  return release;
}

std::vector<UnitPair> pair_units(const Release& old_release, const Release& new_release) {
  std::map<std::string, UnitPair> by_unit;
  for (std::size_t i = 0; i < old_release.record.objects.size(); ++i) {
    UnitPair& p = by_unit[old_release.record.objects[i].source];
    p.unit = old_release.record.objects[i].source;
    if (!p.old_object) p.old_object = old_release.objects[i].get();
  }
  for (std::size_t i = 0; i < new_release.record.objects.size(); ++i) {
    UnitPair& p = by_unit[new_release.record.objects[i].source];
    p.unit = new_release.record.objects[i].source;
    if (!p.new_object) p.new_object = new_release.objects[i].get();
  }
  std::vector<UnitPair> out;
  for (auto& [unit, pair] : by_unit) out.push_back(pair);
  return out;
}

// Functions that touch a changed type join the patch even when their code is equal.
void merge_type_users(DiffResult& r) {
  SymbolIndex old_index(*r.old_release->binary);
  std::map<std::string, std::size_t> position;
  r.functions = r.objects.functions;
  for (std::size_t i = 0; i < r.functions.size(); ++i) position[r.functions[i].symbol.display()] = i;
  for (const TypeUser& u : r.types.users) {
    auto it = position.find(u.function.display());
    if (it != position.end()) {
      FunctionChange& c = r.functions[it->second];
      if (c.kind != ChangeKind::kRemoved) c.reason += "; " + u.reason;
      continue;
    }
    ChangeKind kind = old_index.find(u.function) ? ChangeKind::kChanged : ChangeKind::kNew;
    position[u.function.display()] = r.functions.size();
    r.functions.push_back({u.function, kind, u.unit, u.reason, false});
  }
}

std::vector<std::string> carried_units(const DiffResult& r) {
  std::set<std::string> units;
  for (const FunctionChange& c : r.functions)
    if (c.kind != ChangeKind::kRemoved) units.insert(c.unit);
  for (const DataChange& d : r.objects.data)
    if (d.kind == DataChange::Kind::kNew) units.insert(d.unit);
  for (const DataTypeChange& d : r.types.data) units.insert(d.unit);
  return {units.begin(), units.end()};
}

}  // namespace

Expected<DiffResult> compute_diff(const std::string& old_binary, const std::string& new_binary) {
  DiffResult r;
  auto old_release = load_release(old_binary);
  if (!old_release) return old_release.error();
  auto new_release = load_release(new_binary);
  if (!new_release) return new_release.error();
  r.old_release = std::move(*old_release);
  r.new_release = std::move(*new_release);

  std::vector<UnitPair> units = pair_units(*r.old_release, *r.new_release);
  std::set<std::string> old_units, new_units, common;
  for (const auto& u : units) {
    if (u.old_object) old_units.insert(u.unit);
    if (u.new_object) new_units.insert(u.unit);
    if (u.old_object && u.new_object) common.insert(u.unit);
  }
  auto old_dwarf = read_dwarf(old_binary, old_units);
  if (!old_dwarf) return old_dwarf.error();
  auto new_dwarf = read_dwarf(new_binary, new_units);
  if (!new_dwarf) return new_dwarf.error();
  r.old_release->dwarf = std::move(*old_dwarf);
  r.new_release->dwarf = std::move(*new_dwarf);

  HOTSWAP_TRY(check_same_build_settings(r.old_release->record, r.new_release->record, r.old_release->dwarf.producers,
                                        r.new_release->dwarf.producers, common));

  r.objects = compare_units(units, *r.old_release->binary, *r.new_release->binary);
  r.types = compare_types({&r.old_release->dwarf, r.old_release->binary.get()},
                          {&r.new_release->dwarf, r.new_release->binary.get()}, r.objects);
  // A retyped datum's bytes differ by construction; its type change says it all.
  std::set<std::string> retyped;
  for (const DataTypeChange& d : r.types.data) retyped.insert(d.symbol.display());
  std::erase_if(r.objects.data, [&](const DataChange& d) {
    return d.kind == DataChange::Kind::kChanged && retyped.count(d.symbol.display());
  });
  merge_type_users(r);
  r.carried_units = carried_units(r);
  return r;
}

std::vector<std::string> classification_lines(const DiffResult& r) {
  std::vector<std::string> lines;
  for (const FunctionChange& c : r.functions) {
    const char* kind = c.kind == ChangeKind::kChanged ? "changed" : c.kind == ChangeKind::kNew ? "new" : "removed";
    lines.push_back(std::string(kind) + (c.fragment ? "-fragment " : "-function ") + c.symbol.display());
  }
  for (const DataChange& d : r.objects.data) {
    switch (d.kind) {
      case DataChange::Kind::kNew: lines.push_back("new-data " + d.symbol.display()); break;
      case DataChange::Kind::kRemoved: lines.push_back("removed-data " + d.symbol.display()); break;
      case DataChange::Kind::kChanged: lines.push_back("changed-data " + d.symbol.display()); break;
      case DataChange::Kind::kRenumbered:
        lines.push_back("renumbered-data " + d.symbol.display() + " " + d.bind_to.display());
        break;
    }
  }
  for (const TypeChange& t : r.types.types) lines.push_back("changed-type " + t.name);
  for (const DataTypeChange& d : r.types.data) lines.push_back("retyped-data " + d.symbol.display());
  for (const SignatureChange& s : r.types.signatures)
    lines.push_back("changed-signature " + s.old_symbol.display() + " " + s.new_symbol.display());
  for (const SignatureChange& s : r.types.compatible_signatures)
    lines.push_back("compatible-signature " + s.old_symbol.display() + " " + s.new_symbol.display());
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace hotswap::diff
