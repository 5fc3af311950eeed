#include "tool/diff/object_diff.h"

#include <elf.h>

#include <memory>

#include "common/symbol_index.h"
#include "tool/diff/normalize.h"
#include "common/symbol_names.h"

namespace hotswap::diff {
namespace {

using Key = std::pair<std::string, std::string>;  // (file, name): DESIGN §4 identity

Key key_of(const ElfSymbol& s) {
  SymbolRef id = identity_of(s);
  return {id.file, id.name};
}

SymbolRef ref_of(const Key& k) { return SymbolRef{k.second, k.first}; }

struct Definition {
  const ElfSymbol* symbol = nullptr;
  std::size_t unit = 0;
};

// One release's objects, indexed by identity. The first definition of a COMDAT symbol
// stands for all its copies: they are the same code, compared once.
struct Side {
  std::vector<std::unique_ptr<Normalizer>> normalizers;  // by unit
  std::vector<const ElfFile*> objects;
  std::map<Key, Definition> functions, data;
  std::map<Key, NormalForm> forms;

  const NormalForm& form(const Key& key, const Definition& d) {
    auto it = forms.find(key);
    if (it != forms.end()) return it->second;
    return forms.emplace(key, normalizers[d.unit]->normalize(*d.symbol)).first->second;
  }
};

Side index_side(const std::vector<UnitPair>& units, bool old_side) {
  Side side;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const ElfFile* object = old_side ? units[i].old_object : units[i].new_object;
    side.objects.push_back(object);
    side.normalizers.push_back(object ? std::make_unique<Normalizer>(tables_of(*object)) : nullptr);
    if (!object) continue;
    for (const ElfSymbol& s : object->symbols()) {
      if (s.shndx == SHN_UNDEF || is_anonymous_label(s)) continue;
      if (is_function_symbol(s)) side.functions.emplace(key_of(s), Definition{&s, i});
      else if (is_data_symbol(s)) side.data.emplace(key_of(s), Definition{&s, i});
    }
  }
  return side;
}

bool is_writable(const ElfFile& object, const ElfSymbol& s) {
  if (s.shndx >= object.sections().size()) return false;
  const ElfSection& sec = object.sections()[s.shndx];
  return (sec.flags & SHF_WRITE) && sec.name.rfind(".data.rel.ro", 0) != 0;
}

// The key of the function `name` as seen from unit `unit`: its local if it has one.
Key key_in_unit(const Side& side, const std::string& unit, const std::string& name) {
  Key local{unit, name};
  if (side.functions.count(local) || side.data.count(local)) return local;
  return {"", name};
}

class Comparison {
 public:
  Comparison(const std::vector<UnitPair>& units, const ElfFile& old_binary, const ElfFile& new_binary)
      : units_(units), old_index_(old_binary), new_index_(new_binary),
        old_(index_side(units, true)), new_(index_side(units, false)) {}

  ObjectComparison run() {
    compare_functions();
    propagate_parts();
    carry_fragments();
    compare_data();
    pair_renumbered_statics();
    record_users();
    for (auto& [key, change] : functions_) result_.functions.push_back(change);
    for (auto& [key, change] : data_) result_.data.push_back(change);
    return std::move(result_);
  }

 private:
  const std::string& unit_name(std::size_t i) const { return units_[i].unit; }

  void compare_functions() {
    for (const auto& [key, def] : new_.functions) {
      auto old_def = old_.functions.find(key);
      FunctionChange c{ref_of(key), ChangeKind::kChanged, unit_name(def.unit), "", false};
      if (old_def != old_.functions.end()) {
        c.reason = explain_difference(old_.form(key, old_def->second), new_.form(key, def));
        if (c.reason.empty()) continue;
      } else if (old_index_.find(ref_of(key))) {
        // The old release has it from outside the program's objects (a library's template
        // instantiation, e.g. std::string members the runtime library also uses): by the
        // one-definition rule it is the same function, and the patch binds to that copy.
        continue;
      } else {
        c.kind = ChangeKind::kNew;
        c.reason = "not in the old release";
      }
      functions_[key] = c;
    }
    // Clones with an entry of their own are carried with their callers, not redirected: the
    // callers differ whenever a clone does (normalize.cc counts clones by content).
    for (auto& [key, change] : functions_)
      if (change.kind != ChangeKind::kRemoved && !parent_function(key.second).empty() && !is_fragment(key.second)) {
        change.fragment = true;
        change.reason = "clone carried with its callers: " + change.reason;
      }
    for (const auto& [key, def] : old_.functions) {
      if (new_.functions.count(key) || new_index_.find(ref_of(key))) continue;
      functions_[key] = FunctionChange{ref_of(key), ChangeKind::kRemoved, unit_name(def.unit),
                                       "not in the new release", false};
    }
  }

  // A change in a clone or part (".constprop.0", ".part.1", ".cold") is a change of the
  // function it was split from: the parent's callers reach the new part only through it.
  void propagate_parts() {
    std::vector<std::pair<Key, std::string>> parents;
    for (const auto& [key, change] : functions_) {
      if (change.kind == ChangeKind::kRemoved) continue;
      std::string parent = parent_function(key.second);
      if (!parent.empty()) parents.emplace_back(key_in_unit(new_, change.unit, parent), key.second);
    }
    for (const auto& [parent, part] : parents) {
      if (functions_.count(parent) || !new_.functions.count(parent) || !old_.functions.count(parent)) continue;
      functions_[parent] = FunctionChange{ref_of(parent), ChangeKind::kChanged,
                                          unit_name(new_.functions[parent].unit), "its part " + part + " changed",
                                          false};
    }
  }

  // Every fragment of a function in the patch comes from the patch: the new parent jumps
  // into it and it jumps back into the new parent.
  void carry_fragments() {
    for (const auto& [key, def] : new_.functions) {
      std::string owner = fragment_owner(key.second);
      if (owner.empty()) continue;
      Key owner_key = key_in_unit(new_, unit_name(def.unit), owner);
      auto it = functions_.find(key);
      bool owner_in_patch = functions_.count(owner_key) && functions_[owner_key].kind != ChangeKind::kRemoved;
      if (it != functions_.end()) {
        it->second.fragment = true;
      } else if (owner_in_patch) {
        functions_[key] = FunctionChange{ref_of(key), ChangeKind::kChanged, unit_name(def.unit),
                                         "fragment of " + owner + ", which is in the patch", true};
      }
    }
  }

  void compare_data() {
    for (const auto& [key, def] : new_.data) {
      const ElfFile& object = *new_.objects[def.unit];
      DataChange c{ref_of(key), DataChange::Kind::kChanged, unit_name(def.unit), "", is_writable(object, *def.symbol), {}};
      auto old_def = old_.data.find(key);
      if (old_def != old_.data.end()) {
        if (explain_difference(old_.form(key, old_def->second), new_.form(key, def)).empty()) continue;
        c.reason = c.writable ? "initial value changed (the running value is kept)"
                              : "contents changed (code that reads it is in the patch)";
      } else if (old_index_.find(ref_of(key))) {
        continue;  // defined outside the objects before (e.g. a library): binds as before
      } else {
        c.kind = DataChange::Kind::kNew;
        c.reason = "not in the old release";
      }
      data_[key] = c;
    }
    for (const auto& [key, def] : old_.data) {
      if (new_.data.count(key) || new_index_.find(ref_of(key))) continue;
      data_[key] = DataChange{ref_of(key), DataChange::Kind::kRemoved, unit_name(def.unit), "not in the new release",
                              is_writable(*old_.objects[def.unit], *def.symbol), {}};
    }
  }

  // Same-named function-statics are told apart by a number given in declaration order
  // ("_ZZ3twovE1n", "_ZZ3twovE1n_0"), so adding or removing one renumbers the others and
  // names no longer mean identity. Where the set of names of such a group changed, pair
  // old and new statics by content (size and initial bytes) when that is unambiguous, and
  // bind the new name to the running instance.
  void pair_renumbered_statics() {
    using Group = std::pair<std::string, std::string>;  // unit, name without number
    std::map<Group, std::vector<Key>> old_groups, new_groups;
    auto group_of = [](const Key& key, const std::string& unit) { return Group{unit, unnumbered_static(key.second)}; };
    for (const auto& [key, def] : old_.data) old_groups[group_of(key, unit_name(def.unit))].push_back(key);
    for (const auto& [key, def] : new_.data) new_groups[group_of(key, unit_name(def.unit))].push_back(key);
    for (const auto& [group, new_keys] : new_groups) {
      auto o = old_groups.find(group);
      if (o == old_groups.end() || o->second == new_keys || (o->second.size() < 2 && new_keys.size() < 2)) continue;
      for (const Key& n : new_keys) {
        const Key* match = nullptr;
        int matches = 0;
        for (const Key& k : o->second)
          if (same_content(k, n)) match = &k, ++matches;
        if (matches != 1) continue;
        int reverse = 0;
        for (const Key& other : new_keys) reverse += same_content(*match, other);
        if (reverse != 1 || *match == n) continue;
        const Key old_key = *match;
        DataChange c{ref_of(n), DataChange::Kind::kRenumbered, group.first,
                     "renumbered function-static: binds to the running " + old_key.second,
                     is_writable(*new_.objects[new_.data[n].unit], *new_.data[n].symbol), ref_of(old_key)};
        data_[n] = c;
        if (data_.count(old_key) && data_[old_key].kind == DataChange::Kind::kRemoved) data_.erase(old_key);
        // The new static that now has the old name is another datum: it is new.
        if (new_.data.count(old_key) && !renumbered_.count(old_key)) {
          data_[old_key] = DataChange{ref_of(old_key), DataChange::Kind::kNew, group.first,
                                      "a new function-static that reuses the old name of another",
                                      true, {}};
        }
        renumbered_.insert(n);
      }
    }
  }

  bool same_content(const Key& old_key, const Key& new_key) {
    auto o = old_.data.find(old_key);
    auto n = new_.data.find(new_key);
    if (o == old_.data.end() || n == new_.data.end() || o->second.symbol->size != n->second.symbol->size) return false;
    return old_.form(old_key, o->second) == new_.form(new_key, n->second);
  }

  void record_users() {
    for (const auto& [key, def] : new_.functions) {
      result_.new_functions[ref_of(key).display()] = {ref_of(key), unit_name(def.unit)};
      std::span<const unsigned char> code = new_.objects[def.unit]->symbol_bytes(*def.symbol);
      for (const NormalReference& ref : new_.form(key, def).references) {
        if (ref.symbol.empty()) continue;
        Key target = key_in_unit(new_, unit_name(def.unit), ref.symbol);
        if (new_.data.count(target) || (target.first.empty() && !new_.functions.count(target)))
          result_.data_users[ref_of(target).display()].insert(ref_of(key).display());
        if (!new_.functions.count(target)) continue;
        // A call or a jump is E8/E9 with the field right after; anything else makes a pointer.
        bool branch = (ref.type == R_X86_64_PC32 || ref.type == R_X86_64_PLT32) && ref.offset >= 1 &&
                      ref.offset <= code.size() && (code[ref.offset - 1] == 0xE8 || code[ref.offset - 1] == 0xE9);
        if (branch) result_.callers[ref_of(target).display()].insert(ref_of(key).display());
        else result_.address_taken.insert(ref_of(target).display());
      }
    }
    for (const auto& [key, def] : new_.data)
      for (const NormalReference& ref : new_.form(key, def).references) {
        if (ref.symbol.empty()) continue;
        Key target = key_in_unit(new_, unit_name(def.unit), ref.symbol);
        if (new_.functions.count(target)) result_.address_taken.insert(ref_of(target).display());
      }
  }

  const std::vector<UnitPair>& units_;
  SymbolIndex old_index_, new_index_;
  Side old_, new_;
  std::map<Key, FunctionChange> functions_;
  std::map<Key, DataChange> data_;
  std::set<Key> renumbered_;
  ObjectComparison result_;
};

}  // namespace

bool is_function_symbol(const ElfSymbol& s) {
  return (s.type == STT_FUNC || s.type == STT_GNU_IFUNC) && s.shndx != SHN_UNDEF && !s.name.empty();
}

bool is_data_symbol(const ElfSymbol& s) {
  return (s.type == STT_OBJECT || s.type == STT_TLS) && s.shndx != SHN_UNDEF && !s.name.empty() &&
         s.shndx < SHN_LORESERVE;
}

ObjectComparison compare_units(const std::vector<UnitPair>& units, const ElfFile& old_binary,
                               const ElfFile& new_binary) {
  return Comparison(units, old_binary, new_binary).run();
}

}  // namespace hotswap::diff
