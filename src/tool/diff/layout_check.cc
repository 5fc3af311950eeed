#include "tool/diff/layout_check.h"

#include <map>

#include "tool/diff/cpp_render.h"
#include "tool/diff/transform_spelling.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

std::string without_old_namespace(std::string name) {
  const std::string prefix = std::string(kOldNamespace) + "::";
  for (std::size_t at = name.find(prefix); at != std::string::npos; at = name.find(prefix, at)) name.erase(at, prefix.size());
  return name;
}

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

// Whether a declared member's type is the old release's: the same name (typedefs seen
// through: the file spells what a typedef of a changed type stood for) and the same size.
// What lies inside a named type is checked where that type is declared (hotswap_old::*),
// or is the standard library's, the same in both builds.
bool same_type(const TypeTable& file, int file_id, const TypeTable& old, int old_id) {
  int a = strip_aliases(file, file_id), b = strip_aliases(old, old_id);
  const TypeNode* x = file.get(a);
  const TypeNode* y = old.get(b);
  if (!x || !y) return x == y;
  if (x->size && y->size && x->size != y->size) return false;
  // A changed enum is carried as its underlying type (its enumerators are the new ones').
  if (y->kind == TypeKind::kEnum && x->kind == TypeKind::kBase) {
    const TypeNode* underlying = old.get(strip_aliases(old, y->target));
    return !underlying || spell_type(file, a) == spell_type(old, strip_aliases(old, y->target));
  }
  return spell_type(file, a) == spell_type(old, b);
}

}  // namespace

Status check_old_layouts(const DwarfInfo& checked, const DwarfInfo& old_release, const std::string& file) {
  // The file's types, with hotswap_old taken out of every name: what the old release calls them.
  TypeTable renamed = checked.types;
  for (TypeNode& n : renamed.nodes) n.name = without_old_namespace(n.name);
  const std::string prefix = std::string(kOldNamespace) + "::";
  for (const auto& [name, id] : checked.named_types) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string old_name = name.substr(prefix.size());
    const TypeNode& declared = renamed.nodes[static_cast<std::size_t>(id)];
    if (declared.kind != TypeKind::kStruct) continue;
    auto it = old_release.named_types.find(old_name);
    if (it == old_release.named_types.end())
      return make_error(file + ": " + name + " declares a layout of " + old_name + ", which the old release does not have");
    const TypeNode& actual = old_release.types.nodes[static_cast<std::size_t>(it->second)];
    std::string where = file + ": the layout " + name + " differs from the old release's " + old_name;
    if (declared.size != actual.size)
      return make_error(where + ": size " + std::to_string(declared.size) + ", not " + std::to_string(actual.size));
    std::map<std::string, const TypeMember*> by_name;
    std::map<std::uint64_t, const TypeMember*> bases;
    for (const TypeMember& m : actual.members) {
      if (m.is_base) bases[m.offset] = &m;
      else if (!m.name.empty()) by_name[m.name] = &m;
    }
    for (const TypeMember& m : declared.members) {
      std::uint64_t bytes = 0;
      bool stand_in = is_bytes(renamed, m.type, bytes);
      if (m.is_base) {
        auto b = bases.find(m.offset);
        if (b == bases.end() || !same_type(renamed, m.type, old_release.types, b->second->type))
          return make_error(where + ": base " + spell_type(renamed, m.type) + " at offset " + std::to_string(m.offset) +
                            " is not the old release's");
        continue;
      }
      auto o = by_name.find(m.name);
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
      if (!same_type(renamed, m.type, old_release.types, a.type))
        return make_error(where + ": member `" + m.name + "` is declared " + spell_type(renamed, m.type) +
                          ", the old release's is " + spell_type(old_release.types, a.type));
    }
  }
  return Status::success();
}

}  // namespace hotswap::diff
