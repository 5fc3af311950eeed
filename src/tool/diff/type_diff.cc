#include "tool/diff/type_diff.h"

#include <elf.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "common/symbol_index.h"
#include "tool/diff/cpp_render.h"
#include "tool/diff/local_types.h"
#include "common/symbol_names.h"
#include "tool/diff/transform_spelling.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

// Address -> symbol of a linked binary, for mapping DWARF entities to ELF identities.
std::map<std::uint64_t, const ElfSymbol*> symbols_by_address(const ElfFile& binary) {
  std::map<std::uint64_t, const ElfSymbol*> out;
  for (const ElfSymbol& s : binary.symbols()) {
    if (!is_definition(s) || (!is_function_symbol(s) && !is_data_symbol(s))) continue;
    auto [it, inserted] = out.emplace(s.value, &s);
    if (!inserted && it->second->bind == STB_LOCAL && s.bind != STB_LOCAL) it->second = &s;
  }
  return out;
}

struct Indexed {
  std::map<std::string, const DwarfFunction*> functions;  // identity display -> function
  std::map<std::string, const DwarfVariable*> variables;
  std::map<std::string, SymbolRef> refs;
};

Indexed index_side(const DwarfSide& side) {
  Indexed out;
  auto by_address = symbols_by_address(*side.binary);
  for (const DwarfFunction& f : side.info->functions) {
    for (std::uint64_t entry : f.entries) {
      auto it = by_address.find(entry);
      if (it == by_address.end() || !is_function_symbol(*it->second)) continue;
      SymbolRef id = identity_of(*it->second);
      out.functions.emplace(id.display(), &f);
      out.refs.emplace(id.display(), id);
      break;
    }
  }
  for (const DwarfVariable& v : side.info->variables) {
    auto it = by_address.find(v.address);
    if (it == by_address.end() || !is_data_symbol(*it->second)) continue;
    SymbolRef id = identity_of(*it->second);
    out.variables.emplace(id.display(), &v);
    out.refs.emplace(id.display(), id);
  }
  return out;
}

// The changed type a value of type `id` reaches through members, pointers, arrays or
// template arguments (containers), with the path to it; "" if none. A changed type it is
// itself counts only when `behind` (reached through something).
std::string reach(const TypeTable& table, int id, const std::set<std::string>& changed, bool behind,
                  std::set<int>& seen, std::string& path) {
  int bare = strip_aliases(table, id);
  const TypeNode* n = table.get(bare);
  if (n && n->kind == TypeKind::kStruct && n->declaration)
    if (int defined = complete_definition(table, n->name); defined >= 0) n = table.get(bare = defined);
  if (!n || !seen.insert(bare * 2 + (behind ? 1 : 0)).second) return "";
  switch (n->kind) {
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
    case TypeKind::kArray:
      return reach(table, n->target, changed, true, seen, path);
    case TypeKind::kStruct: {
      // The standard library's classes are followed to the program's changed class they
      // hold, not matched by name: Clang names a function's local Val like a global one
      // (std::optional<Val>), and the global one's instance may have changed.
      if (changed.count(n->name) && behind && !library_type(n->name)) {
        path = n->name;
        return n->name;
      }
      // A template argument: a container's elements, which no member may lead to (a map's
      // nodes). Followed as types where DWARF lists them: a name may mislead (Clang names a
      // vector of a function's local Val `std::vector<Val>`, like one of a global Val).
      // The program's class templates too: one may keep its T as bytes (a pool's aligned
      // storage) that no member names, so an argument counts as held, even where it is not
      // (app::Id<app::Item> holding an int migrates for nothing, which is safe).
      bool library = library_type(n->name);
      for (int argument : n->template_arguments) {
        std::string found = reach(table, argument, changed, true, seen, path);
        if (!found.empty()) {
          path = n->name + " -> " + path;
          return found;
        }
      }
      // By name only for an instance DWARF gave no arguments (its name's leaf has them): a
      // class nested in one (a vector's _Vector_impl) leads to them through its members.
      if (library && n->template_arguments.empty() && split_scope(n->name).second.find('<') != std::string::npos)
        for (const std::string& c : changed)
          if (c != n->name && mentions_type(n->name, c)) {
            path = n->name + " -> " + c;
            return c;
          }
      for (const TypeMember& m : n->members) {
        std::string found = reach(table, m.type, changed, behind, seen, path);
        if (!found.empty()) {
          // The steps through a library's own internals (a vector's _Vector_impl, a
          // unique_ptr's tuple) say nothing to a user: only the program's own are named.
          bool internal = n->name.rfind("std::", 0) == 0 || n->name.rfind("__gnu_cxx::", 0) == 0;
          if (!internal) path = n->name + (m.name.empty() ? "" : "::" + m.name) + " -> " + path;
          return found;
        }
      }
      return "";
    }
    default:
      return "";
  }
}



// A datum that holds a class or enum declared inside a function (a `static
// std::map<int, Entry>` in the function that declares Entry) cannot be migrated: neither
// the transform file nor its glue can name the type. `local` is the reader's name for it.
void refuse_local_type(const std::string& local, const SymbolRef& datum, const std::string& id, TypeComparison& out) {
  std::string leaf = local.substr(local.rfind("{local}::") + 9);
  out.unmigrated.push_back({datum, local,
                            id + " holds " + leaf +
                                ", a type declared inside a function, which the transform file cannot name: declare "
                                "it outside the function"});
}

// The changed class an old value of type `id` holds a pointer to a member of, through
// members, pointers, arrays and template arguments; "" if none. A pointer to a data member
// is an offset in the old layout, and nothing tells which member it names: no transformer
// can re-point it, and bound to the running datum it would name the wrong member. One to a
// member function of a class without virtual functions or bases is the function's address
// (which the update redirects) with no adjustment, right in either layout.
std::string member_pointer_into(const TypeTable& table, int id, const std::set<std::string>& changed, std::set<int>& seen) {
  int bare = strip_aliases(table, id);
  const TypeNode* n = table.get(bare);
  if (n && n->kind == TypeKind::kStruct && n->declaration)
    if (int defined = complete_definition(table, n->name); defined >= 0) n = table.get(bare = defined);
  if (!n || !seen.insert(bare).second) return "";
  switch (n->kind) {
    case TypeKind::kPointerToMember: {
      int class_id = strip_aliases(table, n->containing);
      const TypeNode* c = table.get(class_id);
      if (c && c->declaration)
        if (int defined = complete_definition(table, c->name); defined >= 0) c = table.get(class_id = defined);
      if (!c || !changed.count(c->name)) return "";
      const TypeNode* pointee = table.get(strip_aliases(table, n->target));
      bool bases = std::any_of(c->members.begin(), c->members.end(), [](const TypeMember& m) { return m.is_base; });
      if (pointee && pointee->kind == TypeKind::kFunction && !bases && !is_polymorphic(table, class_id)) return "";
      return c->name;
    }
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
    case TypeKind::kArray:
      return member_pointer_into(table, n->target, changed, seen);
    case TypeKind::kStruct:
      for (int argument : n->template_arguments)
        if (std::string c = member_pointer_into(table, argument, changed, seen); !c.empty()) return c;
      for (const TypeMember& m : n->members)
        if (std::string c = member_pointer_into(table, m.type, changed, seen); !c.empty()) return c;
      return "";
    default:
      return "";
  }
}

// Whether any pointer to member in the table points into a changed class: most programs
// have none, and their data need no walk.
bool has_member_pointer_into(const TypeTable& table, const std::set<std::string>& changed) {
  for (const TypeNode& n : table.nodes)
    if (n.kind == TypeKind::kPointerToMember)
      if (const TypeNode* c = table.get(strip_aliases(table, n.containing)); c && changed.count(c->name)) return true;
  return false;
}

// Whether the linked binary's address lies in a section the program cannot write (constants,
// and .data.rel.ro, read-only once relocated).
bool in_read_only_section(const ElfFile& binary, std::uint64_t address) {
  for (const ElfSection& s : binary.sections())
    if ((s.flags & SHF_ALLOC) && address >= s.addr && address < s.addr + s.size)
      return !(s.flags & SHF_WRITE) || s.name.rfind(".data.rel.ro", 0) == 0;
  return false;
}

std::uint64_t sizes_of(const TypeTable& table, int id) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  return n ? n->size : 0;
}

// The datum of the linked binary that holds, from the program's start, a pointer into
// [address, address + size) (a load-time relative relocation), or "".
std::string stored_pointer_into(const ElfFile& binary, std::uint64_t address, std::uint64_t size) {
  if (!size) return "";
  for (const ElfDynamicRelocation& r : binary.dynamic_relocations()) {
    if (r.type != R_X86_64_RELATIVE) continue;
    auto target = static_cast<std::uint64_t>(r.addend);
    if (target < address || target >= address + size) continue;
    if (r.offset >= address && r.offset < address + size) continue;  // it points into itself
    // Only the program's own data counts: words no symbol covers are the compiler's or a
    // tool's (AddressSanitizer's descriptors of every global), which never read it.
    for (const ElfSymbol& s : binary.symbols())
      if (is_definition(s) && is_data_symbol(s) && r.offset >= s.value && r.offset < s.value + std::max<std::uint64_t>(s.size, 1))
        return identity_of(s).display();
  }
  return "";
}


// Whether the transform file cannot include where the class is declared: anything but a
// header (a source file, a module, no file at all).
bool declared_in_source_file(const TypeNode& n) {
  if (n.decl_file.empty()) return true;
  std::string ext = std::filesystem::path(n.decl_file).extension().string();
  for (const char* header : {"", ".h", ".hh", ".hpp", ".hxx", ".h++", ".H", ".inl", ".ipp", ".tcc", ".inc"})
    if (ext == header) return false;
  return true;
}

// Why objects of the changed class `name` cannot be migrated by rebuilding them, or "".
// A class with virtual functions is migrated as a plain struct holding its vtable pointer
// as bytes (docs/type-updates.md), which takes every class of its hierarchy being
// declared that way: so it must not gain or lose its virtual functions, inherit them from
// a class that did not change, inherit virtually, or be declared where the transform file
// cannot include it.
std::string polymorphic_problem(const TypeTable& old_types, int old_id, const TypeTable& new_types, int new_id,
                                const std::set<std::string>& changed) {
  bool before = is_polymorphic(old_types, old_id), after = is_polymorphic(new_types, new_id);
  if (before != after)
    return after ? "gains virtual functions: its old objects have no vtable pointer to give the new ones"
                 : "loses its virtual functions: a revert could not give its old objects their vtable pointer";
  if (!after) return "";
  const TypeNode* n = new_types.get(strip_aliases(new_types, new_id));
  if (declared_in_source_file(*n))
    return "a class with virtual functions declared in a source file: the transform file cannot build its objects";
  for (const auto* table : {&old_types, &new_types})
    for (const TypeMember& m : table->get(strip_aliases(*table, table == &old_types ? old_id : new_id))->members) {
      if (!m.is_base) continue;
      const TypeNode* base = table->get(strip_aliases(*table, m.type));
      if (m.virtual_base) return "a virtual base class (" + (base ? base->name : std::string("?")) + ")";
      if (base && is_polymorphic(*table, m.type) && !changed.count(base->name))
        return "its virtual functions come from " + base->name +
               ", which did not change: write the migration of this hierarchy by hand";
    }
  return "";
}

// A type as it is, whatever typedefs call it and without the const or volatile of a value
// (client_flags_t and unsigned int are one type).
std::string canonical_type(const TypeTable& table, int id) { return spell_type(table, strip_aliases(table, id)); }

// How the x86-64 System V ABI passes a value of this type, when that depends on nothing but
// its size and class: "i8" (an integer register: integers, enums, pointers, references),
// "f8" (an SSE register: float, double), "" for anything else (structs, long double, ...).
std::string passing_of(const TypeTable& table, int id) {
  const TypeNode* n = table.get(strip_aliases(table, id));
  if (!n) return "void";
  switch (n->kind) {
    case TypeKind::kVoid:
      return "void";
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
      return "i8";
    case TypeKind::kEnum:
      // Narrower than an int, a value is widened by one side or the other, as its
      // underlying type's signedness says: the same only for the same underlying type.
      if (n->size < 4) return n->target >= 0 ? passing_of(table, n->target) : "";
      return "i" + std::to_string(n->size);
    case TypeKind::kBase: {
      const std::string& name = n->name;
      if (name == "float" || name == "double") return "f" + std::to_string(n->size);
      if (name == "bool" || name == "_Bool") return "bool";  // 0 or 1, which an integer need not be
      bool integer = name.find("int") != std::string::npos || name.find("char") != std::string::npos ||
                     name.find("short") != std::string::npos || name.find("long") != std::string::npos;
      if (!integer || name.find("double") != std::string::npos || name.find("_Float") != std::string::npos ||
          name.find("complex") != std::string::npos || n->size > 8)
        return "";  // long double, _Float16, __int128, ...: only the same type is passed alike
      if (n->size >= 4) return "i" + std::to_string(n->size);
      bool is_unsigned = name.find("unsigned") != std::string::npos || name == "char8_t" || name == "char16_t";
      return (is_unsigned ? "u" : "s") + std::to_string(n->size);  // widened with or without its sign
    }
    default:
      return "";
  }
}

// Whether old callers pass arguments and take the result where the new function expects
// them: every parameter and the return type passed alike (a narrower integer is widened by
// neither side, so sizes must match too).
bool passed_alike(const TypeTable& old_types, const DwarfFunction& before, const TypeTable& new_types,
                  const DwarfFunction& after) {
  if (before.parameters.size() != after.parameters.size()) return false;
  auto alike = [&](int a, int b) {
    std::string x = passing_of(old_types, a);
    return !x.empty() && x == passing_of(new_types, b);
  };
  if (!alike(before.return_type, after.return_type)) return false;
  for (std::size_t i = 0; i < before.parameters.size(); ++i)
    if (!alike(before.parameters[i].second, after.parameters[i].second)) return false;
  return true;
}

}  // namespace

std::string spell_signature(const TypeTable& table, const DwarfFunction& f) {
  std::string s = spell_type(table, f.return_type) + " " + (f.name.empty() ? f.linkage_name : f.name) + "(";
  for (std::size_t i = 0; i < f.parameters.size(); ++i)
    s += (i ? ", " : "") + declare(table, f.parameters[i].second, f.parameters[i].first);
  return s + ")";
}

// The members of a changed class paired by name (bases by type name), with whether each
// kept its type: computed once, with the signature caches of both releases.
static std::vector<MemberPair> pair_members(const TypeTable& old_types, int old_id, const TypeTable& new_types, int new_id,
                                     SignatureCache& old_sigs, SignatureCache& new_sigs) {
  std::vector<MemberPair> out;
  const TypeNode* before = old_types.get(old_id);
  const TypeNode* after = new_types.get(new_id);
  if (!before || !after || before->kind != TypeKind::kStruct || after->kind != TypeKind::kStruct) return out;
  auto key = [](const TypeTable& t, const TypeMember& m) {
    if (!m.is_base) return m.name;
    const TypeNode* b = t.get(strip_aliases(t, m.type));
    return "base " + (b ? b->name : std::string());
  };
  std::map<std::string, const TypeMember*> old_members;
  for (const TypeMember& m : before->members)
    if (m.is_base || !m.name.empty()) old_members[key(old_types, m)] = &m;
  for (const TypeMember& m : after->members) {
    if (!m.is_base && m.name.empty()) continue;
    MemberPair p;
    p.name = m.is_base ? "" : m.name;
    p.new_member = &m;
    if (auto it = old_members.find(key(new_types, m)); it != old_members.end()) {
      p.old_member = it->second;
      p.same_type = old_sigs.signature(it->second->type) == new_sigs.signature(m.type);
      old_members.erase(it);
    }
    p.plain = plain_data(new_types, m.type);
    out.push_back(p);
  }
  for (const auto& [name, m] : old_members) out.push_back({m->is_base ? "" : m->name, m, nullptr, false, false});
  return out;
}

TypeComparison compare_types(const DwarfSide& old_side, const DwarfSide& new_side, const ObjectComparison& objects) {
  TypeComparison out;
  const TypeTable& old_types = old_side.info->types;
  const TypeTable& new_types = new_side.info->types;
  SignatureCache old_sigs(old_types), new_sigs(new_types);

  std::set<std::string> changed;
  for (const auto& [name, new_id] : new_side.info->named_types) {
    auto it = old_side.info->named_types.find(name);
    if (it == old_side.info->named_types.end()) continue;
    if (old_sigs.signature(it->second) == new_sigs.signature(new_id)) continue;
    changed.insert(name);
    out.types.push_back({name, describe_struct_change(old_types, it->second, new_types, new_id), it->second, new_id,
                         pair_members(old_types, it->second, new_types, new_id, old_sigs, new_sigs)});
  }

  if (!changed.empty())
    for (const auto& [name, new_id] : new_side.info->named_types) {
      auto it = old_side.info->named_types.find(name);
      if (it == old_side.info->named_types.end() || changed.count(name)) continue;
      const TypeNode& n = new_types.nodes[static_cast<std::size_t>(new_id)];
      // The program's class templates too (app::Box<app::Session::Line> holding a vector of
      // a changed class): their instances get old layouts and transformers like any class.
      if (n.kind != TypeKind::kStruct || library_type(name)) continue;
      std::set<int> seen;
      std::string path;
      if (reach(new_types, new_id, changed, false, seen, path).empty()) continue;
      out.reaching.push_back({name, {"holds " + path}, it->second, new_id,
                              pair_members(old_types, it->second, new_types, new_id, old_sigs, new_sigs)});
    }

  Indexed old_index = index_side(old_side), new_index = index_side(new_side);
  std::map<std::string, std::string> user_reasons;  // function display -> reason
  LocalTypesReached old_locals(old_types), new_locals(new_types);
  std::set<std::string> holds_local;  // data refused for a local type they hold
  for (const auto& [id, v] : new_index.variables) {
    auto it = old_index.variables.find(id);
    if (it == old_index.variables.end()) continue;
    // Its signature names a local class only by name, where it is pointed to or a template
    // argument: a std::vector<Entry> keeps it while its Entry elements grow.
    if (std::string local = changed_local_type(old_locals, it->second->type, new_locals, v->type, old_sigs, new_sigs);
        !local.empty() && !in_read_only_section(*new_side.binary, v->address)) {
      refuse_local_type(local, new_index.refs[id], id, out);
      holds_local.insert(id);
    }
    if (old_sigs.signature(it->second->type) == new_sigs.signature(v->type)) continue;
    DataTypeChange d{new_index.refs[id], v->unit, spell_type(old_types, it->second->type), spell_type(new_types, v->type),
                     it->second->type, v->type, "", false, ""};
    const TypeNode* t = new_types.get(strip_aliases(new_types, v->type));
    if (t && changed.count(t->name)) d.changed_type = t->name;
    d.read_only = in_read_only_section(*new_side.binary, v->address);
    out.data.push_back(d);
    if (std::vector<int> locals = new_locals.of(v->type); !d.read_only && !locals.empty() && !holds_local.count(id))
      refuse_local_type(new_types.nodes[static_cast<std::size_t>(locals.front())].name, new_index.refs[id], id, out);
    if (!d.read_only && !entries_alike(old_types, it->second->type, new_types, v->type))
      out.unmigrated.push_back({new_index.refs[id], d.new_type,
                                id + " holds a function's entry retyped " + d.old_type + " -> " + d.new_type +
                                    ": called through the new type, the function would get the wrong arguments"});
    if (!d.read_only && d.symbol.name.rfind("_ZZ", 0) == 0 && !plain_data(new_types, v->type))
      out.unmigrated.push_back({new_index.refs[id], d.new_type,
                                id + " (a function-local static of a type whose bytes are not its value: the new code "
                                     "would not construct it again)"});
    if (!d.read_only)
      if (std::string holder = stored_pointer_into(*old_side.binary, it->second->address, sizes_of(old_types, it->second->type));
          !holder.empty())
        out.unmigrated.push_back({new_index.refs[id], d.new_type,
                                  holder + " -> " + id + " (a pointer to it in the program's data would keep the old instance)"});
    auto users = objects.data_users.find(id);
    if (users != objects.data_users.end())
      for (const std::string& user : users->second) user_reasons.emplace(user, "uses " + demangle(id) + ", whose type changed");
  }

  // Data whose running value holds a pointer to a member of a changed class, whether they
  // move or not (one the new release adds gets its initial value). The old type says what
  // the running value holds; the new binary says whether the new datum is bound to it (a
  // read-only one keeps the new release's constant).
  if (has_member_pointer_into(old_types, changed))
    for (const auto& [id, v] : new_index.variables) {
      auto old_v = old_index.variables.find(id);
      if (old_v == old_index.variables.end() || in_read_only_section(*new_side.binary, v->address)) continue;
      std::set<int> seen;
      if (std::string c = member_pointer_into(old_types, old_v->second->type, changed, seen); !c.empty())
        out.unmigrated.push_back({new_index.refs[id], c,
                                  id + " holds a pointer to a member of " + c +
                                      ", whose layout changed: the offset it holds names a member of the old layout, "
                                      "and nothing can tell which"});
    }

  // Data whose type is the same but reaches a changed type: their objects move too.
  if (!changed.empty()) {
    std::set<std::string> retyped;
    for (const DataTypeChange& d : out.data) retyped.insert(d.symbol.display());
    for (const auto& [id, v] : new_index.variables) {
      auto it = old_index.variables.find(id);
      if (it == old_index.variables.end() || retyped.count(id)) continue;
      if (in_read_only_section(*new_side.binary, v->address)) continue;
      std::set<int> seen;
      std::string path;
      std::string reached = reach(new_types, v->type, changed, false, seen, path);
      if (reached.empty()) continue;
      DataTypeChange d{new_index.refs[id], v->unit, spell_type(old_types, it->second->type),
                       spell_type(new_types, v->type), it->second->type, v->type, "", false, ""};
      d.reaches = demangle(id) + " -> " + path;
      out.data.push_back(d);
      // Moved like a retyped datum: a pointer to the old instance would keep it.
      if (std::string holder = stored_pointer_into(*old_side.binary, it->second->address, sizes_of(old_types, it->second->type));
          !holder.empty())
        out.unmigrated.push_back({new_index.refs[id], reached,
                                  holder + " -> " + id + " (a pointer to it in the program's data would keep the old instance)"});
      if (std::vector<int> locals = new_locals.of(v->type); !locals.empty() && !holds_local.count(id))
        refuse_local_type(new_types.nodes[static_cast<std::size_t>(locals.front())].name, new_index.refs[id], id, out);
      if (d.symbol.name.rfind("_ZZ", 0) == 0 && !plain_data(new_types, v->type))
        out.unmigrated.push_back({new_index.refs[id], reached,
                                  id + " (a function-local static of a type whose bytes are not its value: the new "
                                       "code would not construct it again)"});
      auto users = objects.data_users.find(id);
      if (users != objects.data_users.end())
        for (const std::string& user : users->second)
          user_reasons.emplace(user, "uses " + demangle(id) + ", which reaches the changed type " + reached);
    }
  }

  for (const auto& [id, f] : new_index.functions) {
    for (const std::string& name : f->types_used)
      if (changed.count(name)) {
        user_reasons.emplace(id, "uses type " + name + ", which changed");
        break;
      }
    auto it = old_index.functions.find(id);
    if (it == old_index.functions.end() || !parent_function(new_index.refs[id].name).empty()) continue;
    std::string before = spell_signature(old_types, *it->second), after = spell_signature(new_types, *f);
    // Parameter names are not part of the signature, nor what a typedef calls a type, nor
    // the const of a parameter passed by value.
    std::string old_nominal = canonical_type(old_types, it->second->return_type),
                new_nominal = canonical_type(new_types, f->return_type);
    for (const auto& p : it->second->parameters) old_nominal += "," + canonical_type(old_types, p.second);
    for (const auto& p : f->parameters) new_nominal += "," + canonical_type(new_types, p.second);
    if (old_nominal == new_nominal) continue;
    SignatureChange change{old_index.refs[id], new_index.refs[id], f->unit, before, after, it->second, f};
    if (passed_alike(old_types, *it->second, new_types, *f)) {
      out.compatible_signatures.push_back(change);
    } else if (!change.new_symbol.file.empty() && change.new_symbol == change.old_symbol) {
      // A static function: its callers are all in its unit.
      std::string name = change.new_symbol.display();
      if (objects.address_taken.count(name)) {
        out.unstubbable.push_back(before + " -> " + after + " (" + name +
                                  "): a static function whose address is taken; its stub cannot reach it");
        continue;
      }
      out.resigned.push_back(change);
      if (auto callers = objects.callers.find(name); callers != objects.callers.end())
        for (const std::string& caller : callers->second)
          if (caller != name) user_reasons.emplace(caller, "calls " + demangle(change.new_symbol.name) + ", whose signature changed");
    } else {
      out.signatures.push_back(change);
      // The new function must be the patch's, even if its code did not change (a parameter
      // not used yet): the stub calls it, and the running one's entry leads to the stub.
      if (change.new_symbol == change.old_symbol) user_reasons.emplace(id, "its signature changed");
    }
  }

  // A function removed and one added with the same name in the same unit: an overload whose
  // parameters changed (its mangled name changed with them).
  std::map<std::pair<std::string, std::string>, std::vector<const FunctionChange*>> removed, added;
  for (const FunctionChange& c : objects.functions) {
    if (!parent_function(c.symbol.name).empty()) continue;
    if (c.kind == ChangeKind::kRemoved) removed[{c.unit, demangled_base(c.symbol.name)}].push_back(&c);
    if (c.kind == ChangeKind::kNew) added[{c.unit, demangled_base(c.symbol.name)}].push_back(&c);
  }
  for (const auto& [key, news] : added) {
    auto r = removed.find(key);
    if (r == removed.end() || r->second.size() != 1 || news.size() != 1) continue;
    SignatureChange s;
    s.old_symbol = r->second.front()->symbol;
    s.new_symbol = news.front()->symbol;
    s.unit = key.first;
    auto of = old_index.functions.find(s.old_symbol.display());
    auto nf = new_index.functions.find(s.new_symbol.display());
    if (of != old_index.functions.end()) s.old_function = of->second;
    if (nf != new_index.functions.end()) s.new_function = nf->second;
    s.old_signature = s.old_function ? spell_signature(old_types, *s.old_function) : demangle(s.old_symbol.name);
    s.new_signature = s.new_function ? spell_signature(new_types, *s.new_function) : demangle(s.new_symbol.name);
    // A local function (static, in an anonymous namespace) under a new name: its callers are
    // all in its unit, whose changed callers call the new one; the old one is never
    // redirected, so old activations and old pointers to it keep the old code. No stub.
    if (!s.old_symbol.file.empty()) out.resigned.push_back(s);
    else out.signatures.push_back(s);
  }

  // Data whose objects include a class with virtual functions that cannot be rebuilt.
  std::map<std::string, std::string> problems;  // changed class -> why
  for (const TypeChange& t : out.types)
    if (std::string why = polymorphic_problem(old_types, t.old_id, new_types, t.new_id, changed); !why.empty())
      problems[t.name] = why;
  // A class that only holds a changed type gets an old layout too, as a real class: one with
  // virtual functions would be built with the transform unit's own vtable.
  for (const TypeChange& t : out.reaching)
    if (is_polymorphic(new_types, t.new_id))
      problems[t.name] = "a class with virtual functions that holds a changed type: write its migration by hand";
  if (!problems.empty())
    for (const DataTypeChange& d : out.data) {
      std::set<std::string> names;
      collect_named_types(new_types, d.new_type_id, names);
      for (const auto& [name, why] : problems) {
        bool held = names.count(name) > 0;
        for (const std::string& n : names)  // the elements of a map or a list: its template arguments
          held = held || (n.find('<') != std::string::npos && mentions_type(n, name));
        if (held) {
          out.unmigrated.push_back({d.symbol, name, d.symbol.display() + " -> " + name + " (" + why + ")"});
          break;
        }
      }
    }

  for (const auto& [id, reason] : user_reasons) {
    auto fn = objects.new_functions.find(id);
    if (fn == objects.new_functions.end()) continue;  // not the program's code
    out.users.push_back({fn->second.first, fn->second.second, reason});
  }
  return out;
}

}  // namespace hotswap::diff
