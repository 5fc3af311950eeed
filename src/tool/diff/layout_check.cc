#include "tool/diff/layout_check.h"

#include <algorithm>
#include <map>
#include <optional>

#include "tool/diff/cpp_render.h"
#include "tool/diff/transform_spelling.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

// Bytes standing in for a member: unsigned char[N] (what the generator writes for a member
// whose type it cannot spell, and for padding).
bool is_bytes(const TypeTable& table, int id, std::uint64_t& size) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n || n->kind != TypeKind::kArray || n->dimensions.size() != 1) return false;
  const TypeNode* e = table.get(strip_aliases(table, n->target));
  if (!e || e->kind != TypeKind::kBase || e->size != 1) return false;
  size = n->dimensions[0];
  return true;
}

// Whether a declared member's type is the old release's: spelled exactly as the old release
// spells it with its changed types in hotswap_old (typedefs seen through), and of the same
// size. What lies inside a named type is checked where that type is declared
// (hotswap_old::*), or is the standard library's, the same in both builds.
bool same_type(const TypeTable& file, int file_id, const TypeTable& expected, int old_id) {
  int a = strip_aliases(file, file_id), b = strip_aliases(expected, old_id);
  const TypeNode* x = file.get(a);
  const TypeNode* y = expected.get(b);
  if (!x || !y) return x == y;
  if (x->size && y->size && x->size != y->size) return false;
  return spell_type(file, a) == spell_type(expected, b);
}

// The changed type of `undeclared` that the old release's type `id` spells (through
// typedefs, qualifiers, pointers and arrays, and as a template argument of a class it
// names); "" if none.
std::string undeclared_in(const TypeTable& table, int id, const std::set<std::string>& undeclared, int depth = 0) {
  const TypeNode* n = table.get(id);
  if (!n || depth > 64) return "";
  if (n->kind == TypeKind::kStruct || n->kind == TypeKind::kEnum) {
    for (const std::string& u : undeclared)
      if (n->name == u || mentions_type(n->name, u)) return u;
    return "";
  }
  return undeclared_in(table, n->target, undeclared, depth + 1);
}

// A libstdc++ hash table's name without its _Hashtable_traits<...>, and whether those say
// that its nodes keep their hash code (the first argument); nullopt for another type.
std::optional<std::pair<std::string, bool>> hash_table_shape(const std::string& name) {
  const std::string traits = "std::__detail::_Hashtable_traits<";
  if (name.rfind("std::_Hashtable<", 0) != 0) return std::nullopt;
  std::size_t at = name.find(traits);
  if (at == std::string::npos) return std::nullopt;
  std::size_t end = name.find('>', at);
  if (end == std::string::npos) return std::nullopt;
  bool cached = name.compare(at + traits.size(), 4, "true") == 0;
  return std::make_pair(name.substr(0, at) + name.substr(end + 1), cached);
}

// The template argument `index` of a class template instance's name (a std::_Hashtable's
// key is the first, its hash the sixth), found at bracket depth zero; "" if none.
std::string template_argument(const std::string& name, std::size_t index) {
  std::size_t open = name.find('<');
  if (open == std::string::npos) return "";
  int depth = 0;
  std::size_t start = open + 1, at = 0;
  for (std::size_t i = open + 1; i < name.size(); ++i) {
    if (name[i] == '<' || name[i] == '(') {
      ++depth;
    } else if ((name[i] == '>' || name[i] == ')') && depth > 0) {
      --depth;
    } else if ((name[i] == ',' || name[i] == '>') && depth == 0) {
      if (at++ == index) {
        std::string argument = name.substr(start, i - start);
        argument.erase(0, argument.find_first_not_of(' '));
        return argument;
      }
      if (name[i] == '>') return "";
      start = i + 1;
    }
  }
  return "";
}

// A type's name without spaces: GCC spells a template's closing brackets apart
// (std::hash<app::Box<int> >) where a name taken apart has none.
std::string squeezed(std::string name) {
  std::erase(name, ' ');
  return name;
}

// Whether the transform unit has a hash for `key` it can call: a std::hash<key> of its own,
// not the library's disabled one (derived from std::__hash_enum<key, false>).
bool usable_hash(const TypeTable& file, const std::string& key) {
  for (const TypeNode& n : file.nodes)
    if (n.kind == TypeKind::kStruct && !n.declaration && squeezed(n.name) == squeezed("std::hash<" + key + ">"))
      return std::none_of(n.members.begin(), n.members.end(), [&file](const TypeMember& m) {
        const TypeNode* base = file.get(strip_aliases(file, m.type));
        return m.is_base && base && base->name.rfind("std::__hash_enum<", 0) == 0;
      });
  return false;
}

// libstdc++ keeps each node's hash code after its value only for a hash that may throw (or
// is slow): whether it does is part of the node's layout, which the map's own size does not
// show. A table of an old key whose nodes the transform unit can build (it has a hash for
// the key) must keep codes as the old release's does: nodes without one would be read past
// their end by the running code, nodes with one freed by it at a size they do not have.
// Found by the tables' names; "" if none differs.
std::string hash_code_mismatch(const TypeTable& file, const TypeTable& expected, const std::string& prefix) {
  std::map<std::string, bool> old_cached;
  for (const TypeNode& n : expected.nodes)
    if (n.kind == TypeKind::kStruct && n.name.find(prefix) != std::string::npos)
      if (auto shape = hash_table_shape(n.name)) old_cached.emplace(shape->first, shape->second);
  for (const TypeNode& n : file.nodes) {
    if (n.kind != TypeKind::kStruct || n.name.find(prefix) == std::string::npos) continue;
    auto shape = hash_table_shape(n.name);
    if (!shape) continue;
    auto it = old_cached.find(shape->first);
    if (it == old_cached.end() || it->second == shape->second) continue;
    // Nodes without codes here mean the unit's hash is callable and noexcept, whatever hash
    // it is (a hasher of the program's own included). With codes, a disabled std::hash (not
    // callable) builds no node, and neither does a hasher of the program's that takes only
    // the new key; a table hashed by a std::hash the file declares does.
    std::string key = template_argument(n.name, 0);
    if (!shape->second ||
        (squeezed(template_argument(n.name, 5)) == squeezed("std::hash<" + key + ">") && usable_hash(file, key)))
      return shape->first;
  }
  return "";
}

}  // namespace

void rename_namespace(DwarfInfo& info, const std::string& from, const std::string& to) {
  auto rename = [&](std::string name) {
    // Whole names only: `from` where a qualified name starts, or after a '<', ' ', ',' or
    // '(' (a parameter of a function type: std::map<int, int (*)(hotswap_old::app::Peer*)>).
    auto opens = [](char c) { return c == '<' || c == ' ' || c == ',' || c == '('; };
    for (std::size_t at = name.find(from + "::"); at != std::string::npos; at = name.find(from + "::", at)) {
      bool starts = at == 0 || opens(name[at - 1]) ||
                    (at >= 2 && name.compare(at - 2, 2, "::") == 0 && (at == 2 || opens(name[at - 3])));
      if (starts) name.replace(at, from.size(), to);
      at += starts ? to.size() : from.size();
    }
    return name;
  };
  for (TypeNode& node : info.types.nodes) node.name = rename(std::move(node.name));
  std::map<std::string, int> named;
  for (auto& [name, id] : info.named_types) named.emplace(rename(name), id);
  info.named_types = std::move(named);
}

Status check_old_layouts(const DwarfInfo& checked, const DwarfInfo& old_release, const std::set<std::string>& declared,
                         const std::set<std::string>& undeclared, const std::string& file) {
  // What the old release's types are called in the file: its changed types in hotswap_old.
  TypeTable expected = old_view(old_release.types, declared, /*global=*/false);
  const TypeTable& renamed = checked.types;
  // Types are compared as they are, whatever typedef names them (std::string* is
  // std::__cxx11::basic_string<...>*): the expected view spells no typedef.
  const TypeTable plain = without_typedefs(renamed);
  const std::string prefix = std::string(kOldNamespace) + "::";
  // An old layout is a class of its own: an alias (`using Session = ::app::Session;` in
  // hotswap_old) would have the transformers read old objects through whatever it names.
  for (const TypeNode& n : renamed.nodes)
    if (n.kind == TypeKind::kTypedef && n.name.rfind(prefix, 0) == 0 && declared.count(n.name.substr(prefix.size()))) {
      const TypeNode* target = renamed.get(strip_aliases(renamed, n.target));
      if (!target || target->name != n.name)
        return make_error(file + ": " + n.name + " is an alias of " + (target ? spell_type(renamed, n.target) : "void") +
                          ", not a layout: declare the old release's " + n.name.substr(prefix.size()) +
                          " as a struct in " + kOldNamespace);
    }
  if (std::string table = hash_code_mismatch(plain, expected, prefix); !table.empty())
    return make_error(file + ": " + table + " keeps its nodes' hash codes otherwise than the old release's: a hash "
                      "the file declares for an old key must be noexcept exactly where the old release's is");
  for (const auto& [name, id] : checked.named_types) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string old_name = name.substr(prefix.size());
    const TypeNode& layout = renamed.nodes[static_cast<std::size_t>(id)];
    if (layout.kind != TypeKind::kStruct) continue;
    // The scope of a nested class whose enclosing class did not change: no member, and
    // nothing is migrated through it.
    if (layout.members.empty() && !declared.count(old_name)) continue;
    auto it = old_release.named_types.find(old_name);
    if (it == old_release.named_types.end())
      return make_error(file + ": " + name + " declares a layout of " + old_name + ", which the old release does not have");
    const TypeNode& actual = old_release.types.nodes[static_cast<std::size_t>(it->second)];
    std::string where = file + ": the layout " + name + " differs from the old release's " + old_name;
    if (layout.size != actual.size)
      return make_error(where + ": size " + std::to_string(layout.size) + ", not " + std::to_string(actual.size));
    std::map<std::string, const TypeMember*> by_name;
    std::map<std::uint64_t, const TypeMember*> bases;
    for (const TypeMember& m : actual.members) {
      if (m.is_base) bases[m.offset] = &m;
      else if (!m.name.empty()) by_name[m.name] = &m;
    }
    for (const TypeMember& m : layout.members) {
      std::uint64_t bytes = 0;
      bool stand_in = is_bytes(renamed, m.type, bytes);
      if (m.is_base) {
        auto b = bases.find(m.offset);
        if (b == bases.end() || !same_type(plain, m.type, expected, b->second->type))
          return make_error(where + ": base " + spell_type(renamed, m.type) + " at offset " + std::to_string(m.offset) +
                            " is not the old release's");
        continue;
      }
      auto o = by_name.find(m.name);
      if (m.name == "hotswap_vtable_pointer") {
        // Copied over with the new object's vtable pointer (transform_impl.h): it must be the
        // old class's own, or it would overwrite a member.
        bool has_vptr = std::any_of(actual.members.begin(), actual.members.end(), [](const TypeMember& a) {
          return !a.is_base && a.name.rfind("_vptr", 0) == 0 && a.offset == 0;
        });
        if (!stand_in || bytes != 8 || m.offset != 0 || !has_vptr)
          return make_error(where + ": hotswap_vtable_pointer must be 8 bytes at offset 0, and only in the layout of a "
                            "class with its own vtable pointer");
        continue;
      }
      if (o == by_name.end()) {
        if (stand_in) continue;  // padding
        return make_error(where + ": member `" + m.name + "` is not in the old release's " + old_name);
      }
      const TypeMember& a = *o->second;
      if (m.offset != a.offset || m.bit_size != a.bit_size || (m.bit_size && m.bit_offset != a.bit_offset))
        return make_error(where + ": member `" + m.name + "` is at offset " + std::to_string(m.offset) +
                          (m.bit_size ? " bit " + std::to_string(m.bit_offset) : "") + ", the old release's at " +
                          std::to_string(a.offset) + (a.bit_size ? " bit " + std::to_string(a.bit_offset) : ""));
      if (stand_in) {
        const TypeNode* t = old_release.types.get(strip_aliases(old_release.types, a.type));
        if (t && t->size == bytes) continue;
        return make_error(where + ": member `" + m.name + "` is " + std::to_string(bytes) + " bytes, the old release's " +
                          spell_type(old_release.types, a.type) + " is " + std::to_string(t ? t->size : 0));
      }
      // A changed type the file cannot declare would be spelled by its new name here, and
      // the member read through the new layout: the generator refuses such types, and a
      // typedef or a hand-written file must not slip one past it.
      if (std::string u = undeclared_in(old_release.types, a.type, undeclared); !u.empty())
        return make_error(where + ": member `" + m.name + "` holds " + u +
                          ", a changed type the transform file does not declare in hotswap_old, so its old bytes "
                          "would be read through the new layout");
      if (!same_type(plain, m.type, expected, a.type))
        return make_error(where + ": member `" + m.name + "` is declared " + spell_type(renamed, m.type) +
                          ", which should be " + spell_type(expected, a.type));
    }
  }
  return Status::success();
}

Status check_new_layouts(const DwarfInfo& checked, const DwarfInfo& new_release, const std::set<std::string>& declared,
                         const std::string& file) {
  for (const std::string& name : declared) {
    auto in_file = checked.named_types.find(name);
    auto in_release = new_release.named_types.find(name);
    if (in_file == checked.named_types.end() || in_release == new_release.named_types.end()) continue;
    const TypeNode& seen = checked.types.nodes[static_cast<std::size_t>(in_file->second)];
    const TypeNode& actual = new_release.types.nodes[static_cast<std::size_t>(in_release->second)];
    if (seen.kind != TypeKind::kStruct || seen.declaration || actual.declaration) continue;
    std::string where = file + ": the " + name + " the transform file sees is not the new release's";
    std::string hint = " (does the compiler give this name to two types, as GCC does to A<5> and A<5L>?)";
    if (seen.size != actual.size)
      return make_error(where + ": size " + std::to_string(seen.size) + ", not " + std::to_string(actual.size) + hint);
    std::map<std::string, std::uint64_t> offsets;
    for (const TypeMember& m : actual.members)
      if (!m.is_base && !m.name.empty()) offsets[m.name] = m.offset;
    for (const TypeMember& m : seen.members) {
      if (m.is_base || m.name.empty()) continue;
      auto o = offsets.find(m.name);
      if (o == offsets.end() || o->second != m.offset)
        return make_error(where + ": member `" + m.name + "`" +
                          (o == offsets.end() ? " is not the new release's" : " is at another offset") + hint);
    }
  }
  return Status::success();
}

}  // namespace hotswap::diff
