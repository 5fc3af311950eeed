#include "tool/diff/type_signature.h"

#include <algorithm>
#include <map>

#include "tool/diff/cpp_render.h"

namespace hotswap::diff {

bool library_type(const std::string& name) {
  return name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0 || name.rfind("__", 0) == 0;
}

SignatureCache::SignatureCache(const TypeTable& table)
    : table_(table), memo_(table.nodes.size()), state_(table.nodes.size(), 0) {}

const std::string& SignatureCache::signature(int id) {
  static const std::string kVoid = "void";
  static const std::string kBad = "?";
  const TypeNode* node = table_.get(id);
  if (id < 0) return kVoid;
  if (!node) return kBad;
  auto i = static_cast<std::size_t>(id);
  if (i >= memo_.size()) {  // the table grew since the cache was made
    memo_.resize(table_.nodes.size());
    state_.resize(table_.nodes.size(), 0);
  }
  if (state_[i] == 2) return memo_[i];
  if (state_[i] == 1) {
    // A cycle not broken by a named pointer (an anonymous self-referencing struct): spell
    // the back edge by kind and size only.
    static thread_local std::string back;
    back = "cycle(" + std::to_string(node->size) + ")";
    return back;
  }
  state_[i] = 1;
  std::string s = compute(id);
  memo_[i] = std::move(s);
  state_[i] = 2;
  return memo_[i];
}

std::string SignatureCache::compute(int id) {
  const TypeNode& n = *table_.get(id);
  auto sz = std::to_string(n.size);
  switch (n.kind) {
    case TypeKind::kVoid:
      return "void";
    case TypeKind::kBase:
      return "B(" + n.name + "," + sz + ")";
    case TypeKind::kStruct: {
      std::string s = n.keyword + "(" + n.name;
      if (n.declaration) return s + ")";
      s += "," + sz + "){";
      for (const TypeMember& m : n.members) {
        s += (m.is_base ? "^" : "") + m.name + "@" + std::to_string(m.offset);
        if (m.bit_size) s += ":" + std::to_string(m.bit_offset) + "/" + std::to_string(m.bit_size);
        s += "=" + signature(m.type) + ";";
      }
      // The standard library's classes keep their virtual functions from release to release
      // (the toolchain's headers); what two compilers list of them differs (one lists an
      // implicit destructor, the other not). The runtime compares their vtables byte for byte.
      if (!library_type(n.name))
        for (const auto& [name, slot] : n.virtuals) s += "virtual " + name + "#" + std::to_string(slot) + ";";
      return s + "}";
    }
    case TypeKind::kEnum:
      // Its layout is its underlying type's: an enumerator added or renumbered changes the
      // code that uses it (which the code comparison sees), not the layout of what holds it.
      return "E(" + sz + "," + (n.target >= 0 ? signature(n.target) : std::string("int")) + ")";
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference: {
      const char* tag = n.kind == TypeKind::kPointer ? "P(" : n.kind == TypeKind::kReference ? "L(" : "R(";
      int pointee = n.target;
      // cv-qualifiers are kept, typedefs skipped; a named struct is spelled by name.
      std::string quals;
      for (const TypeNode* t = table_.get(pointee); t; t = table_.get(pointee)) {
        if (t->kind == TypeKind::kTypedef) {
          pointee = t->target;
        } else if (t->kind == TypeKind::kConst || t->kind == TypeKind::kVolatile) {
          quals += t->kind == TypeKind::kConst ? "const " : "volatile ";
          pointee = t->target;
        } else {
          break;
        }
      }
      const TypeNode* t = table_.get(pointee);
      if (t && (t->kind == TypeKind::kStruct || t->kind == TypeKind::kEnum) && !t->name.empty())
        return tag + quals + (t->kind == TypeKind::kEnum ? "enum " : t->keyword + " ") + t->name + ")";
      return tag + quals + signature(pointee) + ")";
    }
    case TypeKind::kConst:
      return "const " + signature(n.target);
    case TypeKind::kVolatile:
      return "volatile " + signature(n.target);
    case TypeKind::kTypedef:
      return signature(n.target);
    case TypeKind::kArray: {
      std::string s = "A";
      for (auto d : n.dimensions) s += "[" + std::to_string(d) + "]";
      return s + "(" + signature(n.target) + ")";
    }
    case TypeKind::kFunction: {
      std::string s = "Fn(" + signature(n.target) + ";";
      for (int p : n.parameters) s += signature(p) + ",";
      return s + (n.variadic ? "...)" : ")") + (n.const_member ? "const" : "");
    }
    case TypeKind::kPointerToMember: {
      // The class by name: a pointer into a class whose layout changed is refused apart.
      const TypeNode* c = table_.get(strip_aliases(table_, n.containing));
      return "M(" + sz + "," + (c ? c->name : "?") + "," + signature(n.target) + ")";
    }
    case TypeKind::kOther:
      return "O(" + n.name + "," + sz + ")";
  }
  return "?";
}

int strip_aliases(const TypeTable& table, int id) {
  for (int guard = 0; guard < 64; ++guard) {
    const TypeNode* n = table.get(id);
    if (!n || (n->kind != TypeKind::kTypedef && n->kind != TypeKind::kConst && n->kind != TypeKind::kVolatile))
      return id;
    id = n->target;
  }
  return id;
}

namespace {

// Whether a type of the old release and one of the new, at the same place in a function's
// signature, are passed and mean alike: the same name (a changed class's two layouts
// included: the update redirects every user), an enum or scalar of the same size, and
// pointers, references, arrays, functions and pointers to members built alike from such.
bool called_alike(const TypeTable& old_table, int old_id, const TypeTable& new_table, int new_id) {
  if (old_id < 0 || new_id < 0) return old_id < 0 && new_id < 0;  // void
  const TypeNode* o = old_table.get(strip_aliases(old_table, old_id));
  const TypeNode* n = new_table.get(strip_aliases(new_table, new_id));
  if (!o || !n || o->kind != n->kind) return false;
  auto bare = [](std::string name) { return name.rfind("::", 0) == 0 ? name.substr(2) : name; };
  switch (o->kind) {
    case TypeKind::kStruct:
      return !o->name.empty() && bare(o->name) == bare(n->name);
    case TypeKind::kEnum:  // its underlying type, where DWARF names it
      return o->size == n->size &&
             (o->target < 0 || n->target < 0 || called_alike(old_table, o->target, new_table, n->target));
    case TypeKind::kBase:
      return o->size == n->size && o->name == n->name;
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
      return called_alike(old_table, o->target, new_table, n->target);
    case TypeKind::kArray:
      return o->dimensions == n->dimensions && called_alike(old_table, o->target, new_table, n->target);
    case TypeKind::kPointerToMember:
      return called_alike(old_table, o->containing, new_table, n->containing) &&
             called_alike(old_table, o->target, new_table, n->target);
    case TypeKind::kFunction:
      if (o->variadic != n->variadic || o->parameters.size() != n->parameters.size() ||
          !called_alike(old_table, o->target, new_table, n->target))
        return false;
      for (std::size_t i = 0; i < o->parameters.size(); ++i)
        if (!called_alike(old_table, o->parameters[i], new_table, n->parameters[i])) return false;
      return true;
    default:
      return o->kind == TypeKind::kVoid;
  }
}

// Whether a type holds a function's entry: a pointer to a function or to a member function,
// or an array or a template instance of such (std::vector<int (*)(int)>).
bool function_entry(const TypeTable& table, int id, int depth = 0) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n || depth > 16) return false;
  if (n->kind == TypeKind::kArray) return function_entry(table, n->target, depth + 1);
  if (n->kind == TypeKind::kStruct)
    return std::any_of(n->template_arguments.begin(), n->template_arguments.end(),
                       [&](int argument) { return function_entry(table, argument, depth + 1); });
  if (n->kind != TypeKind::kPointer && n->kind != TypeKind::kPointerToMember) return false;
  const TypeNode* target = table.get(strip_aliases(table, n->target));
  return target && target->kind == TypeKind::kFunction;
}

}  // namespace

bool entries_alike(const TypeTable& old_table, int old_id, const TypeTable& new_table, int new_id, int depth) {
  if (!function_entry(new_table, new_id)) return true;
  const TypeNode* o = old_table.get(strip_aliases(old_table, old_id));
  const TypeNode* n = new_table.get(strip_aliases(new_table, new_id));
  if (!o || !n || o->kind != n->kind || depth > 16) return false;
  switch (n->kind) {
    case TypeKind::kArray:
      return entries_alike(old_table, o->target, new_table, n->target, depth + 1);
    case TypeKind::kStruct:
      if (o->template_arguments.size() != n->template_arguments.size()) return false;
      for (std::size_t i = 0; i < n->template_arguments.size(); ++i)
        if (!entries_alike(old_table, o->template_arguments[i], new_table, n->template_arguments[i], depth + 1))
          return false;
      return true;
    default:  // a pointer to a function or to a member function
      return called_alike(old_table, old_id, new_table, new_id);
  }
}

namespace {

void collect(const TypeTable& table, int id, std::set<std::string>& names, std::set<int>& seen) {
  const TypeNode* n = table.get(id);
  if (!n || !seen.insert(id).second) return;
  if ((n->kind == TypeKind::kStruct || n->kind == TypeKind::kEnum) && !n->name.empty()) names.insert(n->name);
  collect(table, n->target, names, seen);
  for (const TypeMember& m : n->members) collect(table, m.type, names, seen);
  for (int p : n->parameters) collect(table, p, names, seen);
  collect(table, n->containing, names, seen);  // a pointer to member names its class
}

// Named struct and enum types a type mentions, by name, with their ids.
void collect_ids(const TypeTable& table, int id, std::map<std::string, int>& named, std::set<int>& seen) {
  const TypeNode* n = table.get(id);
  if (!n || !seen.insert(id).second) return;
  if ((n->kind == TypeKind::kStruct || n->kind == TypeKind::kEnum) && !n->name.empty() && !n->declaration)
    named.emplace(n->name, id);
  collect_ids(table, n->target, named, seen);
  collect_ids(table, n->containing, named, seen);  // a pointer to member names its class
  for (const TypeMember& m : n->members) collect_ids(table, m.type, named, seen);
}

// When a member's type prints the same in both releases (a typedef of a container, a
// lambda's closure, a pointer spelled alike): the named types inside it that changed, the
// innermost first, so that the report names what to look at.
std::string changed_inside(const TypeTable& old_table, int old_id, const TypeTable& new_table, int new_id,
                           SignatureCache& old_sigs, SignatureCache& new_sigs) {
  std::map<std::string, int> before, after;
  std::set<int> seen_before, seen_after;
  collect_ids(old_table, old_id, before, seen_before);
  collect_ids(new_table, new_id, after, seen_after);
  std::vector<std::pair<std::size_t, std::string>> changed;  // (size of signature, name): smaller is innermost
  for (const auto& [name, id] : after) {
    auto it = before.find(name);
    if (it == before.end()) continue;
    const std::string& a = new_sigs.signature(id);
    std::size_t size = a.size();
    if (old_sigs.signature(it->second) != a) changed.emplace_back(size, name);
  }
  std::sort(changed.begin(), changed.end());
  std::string out;
  for (std::size_t i = 0; i < changed.size() && i < 3; ++i) out += (out.empty() ? "" : ", ") + changed[i].second;
  if (changed.size() > 3) out += ", ...";
  return out;
}

}  // namespace

void collect_named_types(const TypeTable& table, int id, std::set<std::string>& names) {
  std::set<int> seen;
  collect(table, id, names, seen);
}

std::vector<std::string> describe_struct_change(const TypeTable& old_table, int old_id, const TypeTable& new_table,
                                                int new_id) {
  std::vector<std::string> out;
  const TypeNode* before = old_table.get(old_id);
  const TypeNode* after = new_table.get(new_id);
  if (!before || !after) return out;
  if (before->size != after->size)
    out.push_back("size " + std::to_string(before->size) + " -> " + std::to_string(after->size));
  if (before->kind != TypeKind::kStruct || after->kind != TypeKind::kStruct) {
    if (out.empty()) out.push_back("definition changed");
    return out;
  }
  SignatureCache old_sigs(old_table), new_sigs(new_table);
  std::map<std::string, const TypeMember*> old_members, new_members;
  for (const auto& m : before->members) old_members[m.name] = &m;
  for (const auto& m : after->members) new_members[m.name] = &m;
  auto label = [](const TypeMember& m) { return std::string(m.is_base ? "base `" : "member `") + m.name + "`"; };
  for (const auto& m : after->members) {
    auto it = old_members.find(m.name);
    if (it == old_members.end()) {
      out.push_back(label(m) + " added at offset " + std::to_string(m.offset));
      continue;
    }
    const TypeMember& o = *it->second;
    if (old_sigs.signature(o.type) != new_sigs.signature(m.type)) {
      std::string was = spell_type(old_table, o.type), is = spell_type(new_table, m.type);
      std::string was_bare = spell_type(old_table, strip_aliases(old_table, o.type));
      std::string is_bare = spell_type(new_table, strip_aliases(new_table, m.type));
      if (was != is) {
        out.push_back(label(m) + " changed type " + was + " -> " + is);
      } else if (was_bare != is_bare) {  // the same typedef names another type now
        out.push_back(label(m) + " (" + is + ") changed type " + was_bare + " -> " + is_bare);
      } else {
        std::string inside = changed_inside(old_table, o.type, new_table, m.type, old_sigs, new_sigs);
        const TypeNode* was_node = old_table.get(strip_aliases(old_table, o.type));
        const TypeNode* is_node = new_table.get(strip_aliases(new_table, m.type));
        if (!inside.empty())
          out.push_back(label(m) + " (" + is + ") holds changed type " + inside);
        else if (was_node && is_node && was_node->size != is_node->size)  // raw storage (std::aligned_storage)
          out.push_back(label(m) + " (" + is + ") changed size " + std::to_string(was_node->size) + " -> " +
                        std::to_string(is_node->size));
        else
          out.push_back(label(m) + " (" + is + ") holds a type that changed but has no name (a lambda's closure?)");
      }
    }
    else if (o.bit_size != m.bit_size)
      out.push_back(label(m) + " changed width " + std::to_string(o.bit_size) + " -> " + std::to_string(m.bit_size) +
                    " bits");
    else if (m.bit_size && o.bit_offset != m.bit_offset)
      out.push_back(label(m) + " moved from bit " + std::to_string(o.bit_offset) + " to " + std::to_string(m.bit_offset));
    else if (o.offset != m.offset)
      out.push_back(label(m) + " moved from offset " + std::to_string(o.offset) + " to " + std::to_string(m.offset));
  }
  for (const auto& m : before->members)
    if (!new_members.count(m.name)) out.push_back(label(m) + " removed");
  if (before->virtuals != after->virtuals && !library_type(after->name)) out.push_back("virtual functions changed");
  if (out.empty()) out.push_back("definition changed");
  return out;
}

bool plain_data(const TypeTable& table, int id, int depth) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n || depth > 32) return false;
  switch (n->kind) {
    case TypeKind::kBase:
    case TypeKind::kEnum:
    case TypeKind::kPointer:
      return true;
    case TypeKind::kArray:
      return plain_data(table, n->target, depth + 1);
    case TypeKind::kStruct:
      if (!n->virtuals.empty() || n->declaration) return false;
      for (const TypeMember& m : n->members)
        if (m.name.rfind("_vptr", 0) == 0 || !plain_data(table, m.type, depth + 1)) return false;
      return true;
    default:
      return false;
  }
}


namespace {
bool is_polymorphic_at(const TypeTable& table, int id, int depth) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n || n->kind != TypeKind::kStruct || depth > 32) return false;
  if (!n->virtuals.empty()) return true;
  for (const TypeMember& m : n->members)
    if (m.name.rfind("_vptr", 0) == 0 || (m.is_base && is_polymorphic_at(table, m.type, depth + 1))) return true;
  return false;
}
}  // namespace

bool is_polymorphic(const TypeTable& table, int id) { return is_polymorphic_at(table, id, 0); }

bool mentions_type(const std::string& text, const std::string& type) {
  auto boundary = [](char c) { return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'); };
  for (std::size_t at = text.find(type); at != std::string::npos; at = text.find(type, at + 1)) {
    bool before = at == 0 || boundary(text[at - 1]);
    bool after = at + type.size() == text.size() || boundary(text[at + type.size()]);
    if (before && after) return true;
  }
  return false;
}

// A struct's complete definition, for one a unit knows only by name (a member of type
// std::vector<std::unique_ptr<Worker>> in a unit that never instantiated the vector): the
// first unit that defines it, or -1.
int complete_definition(const TypeTable& table, const std::string& name) {
  table.complete_definition_index();
  auto it = table.complete_by_name.find(name);
  return it == table.complete_by_name.end() ? -1 : it->second;
}

int defined_type(const TypeTable& table, int id) {
  int bare = strip_aliases(table, id);
  const TypeNode* n = table.get(bare);
  if (n && n->kind == TypeKind::kStruct && n->declaration)
    if (int defined = complete_definition(table, n->name); defined >= 0) return defined;
  return bare;
}

namespace {

bool destroyable_at(const TypeTable& table, int id, std::set<int>& seen, int depth) {
  int bare = defined_type(table, id);
  const TypeNode* n = table.get(bare);
  if (!n) return true;  // void
  if (depth > 64) return false;
  switch (n->kind) {
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
      // The program's raw pointers own nothing a destructor releases. The library's may (a
      // vector's buffer, a unique_ptr's object), and its template arguments name what.
      return true;
    case TypeKind::kArray:
      return destroyable_at(table, n->target, seen, depth + 1);
    case TypeKind::kStruct: {
      if (!seen.insert(bare).second) return true;
      if (n->declaration) return false;  // nothing known of it
      if (!library_type(n->name)) {
        if (n->user_destructor || is_polymorphic(table, bare)) return false;
        if (n->keyword == "union") return true;  // destroying a union destroys no member
      } else {
        // A library class destroys what its type arguments name, whether or not DWARF shows
        // the way: a map's or list's nodes are reached through base node pointers only, and
        // an optional's or variant's value sits in a union of the library's. The arguments'
        // types are followed, not their names: a local class is `f()::X` to GCC inside a
        // template's name, plain `X` to Clang.
        for (int argument : n->template_arguments) {
          // A functor or tag of the library's that DWARF only names (Clang declares an unused
          // std::hash<int> or std::less<int>): nothing of the program's is in it.
          const TypeNode* a = table.get(defined_type(table, argument));
          if (a && a->kind == TypeKind::kStruct && a->declaration && library_type(a->name)) continue;
          if (!destroyable_at(table, argument, seen, depth + 1)) return false;
        }
      }
      for (const TypeMember& m : n->members)
        if (!destroyable_at(table, m.type, seen, depth + 1)) return false;
      return true;
    }
    default:
      return true;  // scalars, functions
  }
}

}  // namespace

bool destroys_only_what_it_made(const TypeTable& table, int id) {
  std::set<int> seen;
  return destroyable_at(table, id, seen, 0);
}

}  // namespace hotswap::diff
