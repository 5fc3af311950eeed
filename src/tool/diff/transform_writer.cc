#include "tool/diff/transform_writer.h"

#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "tool/diff/cpp_render.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

std::string identifier(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (name.compare(i, 2, "::") == 0) {
      out += "__";
      ++i;
    } else {
      out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
  }
  return out;
}

std::uint64_t round_up(std::uint64_t v, std::uint64_t a) { return a ? (v + a - 1) / a * a : v; }

std::uint64_t alignment(const TypeTable& t, int id, int depth = 0) {
  const TypeNode* n = t.get(strip_aliases(t, id));
  if (!n || depth > 32) return 1;
  switch (n->kind) {
    case TypeKind::kBase:
    case TypeKind::kEnum:
      return n->size ? std::min<std::uint64_t>(n->size, 16) : 1;
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference:
    case TypeKind::kPointerToMember:
      return 8;
    case TypeKind::kArray:
      return alignment(t, n->target, depth + 1);
    case TypeKind::kStruct: {
      std::uint64_t a = 1;
      for (const auto& m : n->members) a = std::max(a, alignment(t, m.type, depth + 1));
      return a;
    }
    default:
      return 1;
  }
}

// How one release's types are written in the generated file.
class Spelling {
 public:
  Spelling(const TypeTable& table, std::string ns, const std::set<std::string>& changed)
      : table_(table), ns_(std::move(ns)), changed_(changed) {}

  enum class Form { kScalar, kStd, kChanged, kOpaque };

  Form form(int id) const {
    const TypeNode* n = table_.get(strip_aliases(table_, id));
    if (!n) return Form::kOpaque;
    switch (n->kind) {
      case TypeKind::kBase:
      case TypeKind::kEnum:
      case TypeKind::kPointer:
        return Form::kScalar;
      case TypeKind::kStruct:
        if (changed_.count(n->name)) return Form::kChanged;
        return spellable_without_headers(table_, strip_aliases(table_, id)) ? Form::kStd : Form::kOpaque;
      default:
        return Form::kOpaque;
    }
  }

  // A declaration of `name`, or "" if the type can only be carried as bytes.
  std::string declare_member(int id, const std::string& name) const {
    int bare = strip_aliases(table_, id);
    const TypeNode* n = table_.get(bare);
    if (!n) return "";
    switch (form(id)) {
      case Form::kScalar:
        if (n->kind == TypeKind::kPointer) return "void* " + name;
        if (n->kind == TypeKind::kEnum)  // as its underlying type: its signedness matters
          return n->target >= 0 ? declare(table_, n->target, name) : int_type(n->size, true) + " " + name;
        return declare(table_, bare, name);
      case Form::kStd:
        return declare(table_, bare, name);
      case Form::kChanged:
        return ns_ + "::" + identifier(n->name) + " " + name;
      case Form::kOpaque:
        return "";
    }
    return "";
  }

  std::string spell(int id) const {
    std::string d = declare_member(id, "");
    return d.empty() ? "" : d;
  }

  static std::string int_type(std::uint64_t size, bool is_signed) {
    std::string bits = std::to_string(size * 8);
    return size == 1 || size == 2 || size == 4 || size == 8 ? (is_signed ? "std::int" : "std::uint") + bits + "_t"
                                                            : "unsigned char";
  }

  const TypeTable& table() const { return table_; }

 private:
  const TypeTable& table_;
  std::string ns_;
  const std::set<std::string>& changed_;
};

// The struct laid out as DWARF says: members at their offsets (explicit padding where the
// natural layout would place them earlier), checked by static_asserts.
std::string write_struct(const Spelling& s, const TypeNode& n, const std::string& ns) {
  std::ostringstream out, checks;
  std::string name = identifier(n.name);
  out << "struct " << name << " {  // " << n.name << ", " << n.size << " bytes\n";
  std::uint64_t cursor = 0, max_align = 1;
  int pads = 0;
  for (const TypeMember& m : n.members) {
    if (m.bit_size) {
      out << "  // bit-field " << m.name << " : " << m.bit_size << " lies in padding below; copy it by hand\n";
      continue;
    }
    std::string member = m.is_base ? "base_" + identifier(m.name) : m.name.empty() ? "anonymous_" + std::to_string(m.offset) : m.name;
    const TypeNode* t = s.table().get(strip_aliases(s.table(), m.type));
    std::uint64_t size = t ? t->size : 0;
    std::string decl = m.is_base ? "" : s.declare_member(m.type, member);
    std::uint64_t align = alignment(s.table(), m.type);
    if (round_up(cursor, align) != m.offset && m.offset > cursor) {
      out << "  unsigned char pad_" << pads++ << "[" << (m.offset - cursor) << "];\n";
      cursor = m.offset;
    }
    if (decl.empty())
      out << "  alignas(" << align << ") unsigned char " << member << "[" << size << "];  // "
          << spell_type(s.table(), m.type) << ", carried as bytes\n";
    else
      out << "  " << decl << ";\n";
    max_align = std::max(max_align, align);
    cursor = m.offset + size;
    checks << "static_assert(offsetof(" << name << ", " << member << ") == " << m.offset << ", \"" << ns
           << ": offset of " << n.name << "::" << member << " differs from DWARF\");\n";
  }
  if (round_up(cursor, max_align) < n.size) out << "  unsigned char tail_pad[" << (n.size - cursor) << "];\n";
  out << "};\n";
  out << "static_assert(sizeof(" << name << ") == " << n.size << ", \"" << ns << ": size of " << n.name
      << " differs from DWARF\");\n"
      << checks.str() << "\n";
  return out.str();
}

// Which way a transformer goes: old -> new for apply, new -> old (the inverse) for revert.
struct Direction {
  bool inverse = false;
  std::string symbol(const std::string& type) const { return inverse ? inverse_symbol(type) : transformer_symbol(type); }
  std::string from_ns() const { return inverse ? "hotswap_new" : "hotswap_old"; }
  std::string to_ns() const { return inverse ? "hotswap_old" : "hotswap_new"; }
};

std::string copy_statement(const Spelling& from, const TypeMember& old_member, const Spelling& to,
                           const TypeMember& new_member, SignatureCache& old_sigs, SignatureCache& new_sigs,
                           const Direction& direction) {
  std::string member = new_member.name;
  const TypeNode* nt = to.table().get(strip_aliases(to.table(), new_member.type));
  if (to.form(new_member.type) == Spelling::Form::kChanged && from.form(old_member.type) == Spelling::Form::kChanged)
    return "  if (int failed = " + direction.symbol(nt->name) + "(&from." + member + ", &to." + member +
           ")) return failed;\n";
  bool same = old_sigs.signature(old_member.type) == new_sigs.signature(new_member.type);
  bool declared = !new_member.is_base && !to.declare_member(new_member.type, member).empty();
  if (same && declared && nt && nt->kind != TypeKind::kArray) return "  to." + member + " = from." + member + ";\n";
  std::string change = spell_type(from.table(), old_member.type) + " -> " + spell_type(to.table(), new_member.type);
  if (same && plain_data(to.table(), new_member.type))
    return "  std::memcpy(&to." + member + ", &from." + member + ", sizeof to." + member + ");\n";
  if (same)
    return "  return 1;  // TODO: copy " + member + " (" + spell_type(to.table(), new_member.type) +
           ") by hand: it is carried as bytes, and copying its bytes would not copy its value\n";
  if (from.form(old_member.type) == Spelling::Form::kScalar && to.form(new_member.type) == Spelling::Form::kScalar &&
      nt && nt->kind != TypeKind::kPointer)
    return "  if (!hotswap_fits<decltype(to." + member + ")>(from." + member + ")) return 1;  // " + change +
           ": out of range refuses\n  to." + member + " = static_cast<decltype(to." + member + ")>(from." + member +
           ");\n";
  return "  return 1;  // TODO: convert " + member + " by hand (" + change + ")\n";
}

// The transformer of one changed type, forward (old -> new) or inverse (new -> old, which
// revert runs on the running instance: every member is written).
std::string write_transformer(const DiffResult& r, const TypeChange& c, const Spelling& old_spelling,
                              const Spelling& new_spelling, const Direction& direction) {
  const TypeTable& old_table = r.old_release->dwarf.types;
  const TypeTable& new_table = r.new_release->dwarf.types;
  const TypeNode& before = (direction.inverse ? new_table : old_table)
                               .nodes[static_cast<std::size_t>(direction.inverse ? c.new_id : c.old_id)];
  const TypeNode& after = (direction.inverse ? old_table : new_table)
                              .nodes[static_cast<std::size_t>(direction.inverse ? c.old_id : c.new_id)];
  const Spelling& from = direction.inverse ? new_spelling : old_spelling;
  const Spelling& to = direction.inverse ? old_spelling : new_spelling;
  SignatureCache old_sigs(direction.inverse ? new_table : old_table), new_sigs(direction.inverse ? old_table : new_table);
  std::string name = identifier(c.name);
  std::ostringstream out;
  out << "// " << c.name << (direction.inverse ? ", back to the old layout (revert):" : ":");
  if (!direction.inverse)
    for (const auto& d : c.details) out << " " << d << ";";
  out << "\nextern \"C\" int " << direction.symbol(c.name) << "(const void* from_object, void* to_object) {\n"
      << "  const auto& from = *static_cast<const " << direction.from_ns() << "::" << name << "*>(from_object);\n"
      << "  auto& to = *static_cast<" << direction.to_ns() << "::" << name << "*>(to_object);\n"
      << "  (void)from;\n  (void)to;\n";
  std::map<std::string, const TypeMember*> old_members;
  for (const auto& m : before.members)
    if (!m.bit_size) old_members[(m.is_base ? "base_" + identifier(m.name) : m.name)] = &m;
  for (const TypeMember& m : after.members) {
    if (m.bit_size || m.name.empty()) continue;
    TypeMember named = m;
    if (m.is_base) named.name = "base_" + identifier(m.name);
    auto it = old_members.find(named.name);
    if (it == old_members.end()) {
      if (direction.inverse)  // `to` is the running instance: it still has the value it had
        out << "  // " << named.name << " is not in the new layout: it keeps its value from before the update\n";
      else
        out << "  // " << named.name << " is new: it keeps the value the new release's initializer gave it\n";
      continue;
    }
    TypeMember old_named = *it->second;
    old_named.name = named.name;
    out << copy_statement(from, old_named, to, named, old_sigs, new_sigs, direction);
    old_members.erase(it);
  }
  for (const auto& [member, m] : old_members) out << "  // " << member << " was removed: its value is dropped\n";
  out << "  return 0;\n}\n\n";
  return out.str();
}

}  // namespace

namespace {

// Changed types in an order where a type's changed members come first.
std::vector<const TypeChange*> dependency_order(const std::vector<TypeChange>& changes, const TypeTable& table,
                                                bool old_side) {
  std::map<std::string, const TypeChange*> by_name;
  for (const auto& c : changes) by_name[c.name] = &c;
  std::vector<const TypeChange*> order;
  std::set<std::string> done;
  std::function<void(const TypeChange&)> visit = [&](const TypeChange& c) {
    if (!done.insert(c.name).second) return;
    const TypeNode* n = table.get(old_side ? c.old_id : c.new_id);
    if (n)
      for (const auto& m : n->members) {
        const TypeNode* t = table.get(strip_aliases(table, m.type));
        if (t && by_name.count(t->name)) visit(*by_name[t->name]);
      }
    order.push_back(&c);
  };
  for (const auto& c : changes) visit(c);
  return order;
}

std::string write_layouts(const DiffResult& r, const std::set<std::string>& changed, bool old_side) {
  const TypeTable& table = old_side ? r.old_release->dwarf.types : r.new_release->dwarf.types;
  std::string ns = old_side ? "hotswap_old" : "hotswap_new";
  Spelling spelling(table, ns, changed);
  std::string out = "namespace " + ns + " {  // from the " + (old_side ? "old" : "new") + " release's DWARF\n\n";
  for (const TypeChange* c : dependency_order(r.types.types, table, old_side)) {
    const TypeNode* n = table.get(old_side ? c->old_id : c->new_id);
    if (n && n->kind == TypeKind::kStruct) out += write_struct(spelling, *n, ns);
  }
  return out + "}  // namespace " + ns + "\n\n";
}

std::string write_data_transformer(const DiffResult& r, const DataTypeChange& d, bool inverse) {
  Spelling old_spelling(r.old_release->dwarf.types, "hotswap_old", {});
  Spelling new_spelling(r.new_release->dwarf.types, "hotswap_new", {});
  const Spelling& from = inverse ? new_spelling : old_spelling;
  const Spelling& to = inverse ? old_spelling : new_spelling;
  int from_id = inverse ? d.new_type_id : d.old_type_id, to_id = inverse ? d.old_type_id : d.new_type_id;
  std::string from_type = from.spell(from_id), to_type = to.spell(to_id);
  std::ostringstream out;
  out << "// " << d.symbol.display() << ": " << (inverse ? d.new_type + " -> " + d.old_type + " (revert)" : d.old_type + " -> " + d.new_type)
      << "\nextern \"C\" int " << (inverse ? data_inverse_symbol(d.symbol) : data_transformer_symbol(d.symbol))
      << "(const void* from_object, void* to_object) {\n";
  if (!from_type.empty() && !to_type.empty() && from.form(from_id) == Spelling::Form::kScalar &&
      to.form(to_id) == Spelling::Form::kScalar) {
    out << "  const auto& from = *static_cast<const " << from_type << "*>(from_object);\n"
        << "  auto& to = *static_cast<" << to_type << "*>(to_object);\n"
        << "  if (!hotswap_fits<" << to_type << ">(from)) return 1;  // out of range refuses\n"
        << "  to = static_cast<" << to_type << ">(from);\n";
  } else if (inverse) {
    out << "  (void)from_object;\n  (void)to_object;  // TODO: convert by hand; the old value stays\n";
  } else {
    // The runtime calls it only when the running value is not the one the program started
    // with: a datum never written takes the new release's initial value by itself.
    out << "  (void)from_object;\n  (void)to_object;\n"
        << "  return 1;  // TODO: convert by hand. Called only when the running value was written:\n"
        << "             // unwritten, the datum takes the new release's initial value without it.\n}\n\n";
    return out.str();
  }
  out << "  return 0;\n}\n\n";
  return out.str();
}

std::string write_stub(const DiffResult& r, const SignatureChange& c) {
  std::ostringstream out;
  out << "// Signature changed: " << c.old_signature << "  ->  " << c.new_signature << "\n"
      << "// Whoever still holds the old entry (a function pointer, a caller outside the patch) enters this\n"
      << "// stub with the old arguments; it calls the new function.\n";
  Spelling from(r.old_release->dwarf.types, "hotswap_old", {}), to(r.new_release->dwarf.types, "hotswap_new", {});
  auto spellable = [](const Spelling& s, int id) { return id < 0 || s.form(id) == Spelling::Form::kScalar; };
  bool ok = c.old_function && c.new_function && spellable(from, c.old_function->return_type) &&
            spellable(to, c.new_function->return_type);
  for (const auto& p : ok ? c.old_function->parameters : decltype(c.old_function->parameters){})
    ok = ok && spellable(from, p.second);
  for (const auto& p : ok ? c.new_function->parameters : decltype(c.new_function->parameters){})
    ok = ok && spellable(to, p.second);
  if (!ok) {
    out << "// TODO: write extern \"C\" " << stub_symbol(c.old_symbol)
        << " by hand: its types cannot be spelled without the program's headers\n\n";
    return out.str();
  }
  auto ret = [](const Spelling& s, int id) { return id < 0 ? std::string("void") : s.spell(id); };
  std::string callee = "hotswap_new_" + identifier(c.new_symbol.name);
  out << "extern \"C\" " << ret(to, c.new_function->return_type) << " " << callee << "(";
  for (std::size_t i = 0; i < c.new_function->parameters.size(); ++i)
    out << (i ? ", " : "") << to.spell(c.new_function->parameters[i].second);
  out << ") __asm__(\"" << c.new_symbol.name << "\");\n";
  out << "extern \"C\" " << ret(from, c.old_function->return_type) << " " << stub_symbol(c.old_symbol) << "(";
  std::map<std::string, int> old_params;
  for (std::size_t i = 0; i < c.old_function->parameters.size(); ++i) {
    const auto& [name, type] = c.old_function->parameters[i];
    std::string pname = name.empty() ? "arg" + std::to_string(i) : name;
    old_params[pname] = type;
    out << (i ? ", " : "") << from.declare_member(type, pname);
  }
  out << ") {\n  ";
  if (c.old_function->return_type >= 0) out << "return static_cast<" << ret(from, c.old_function->return_type) << ">(";
  out << callee << "(";
  for (std::size_t i = 0; i < c.new_function->parameters.size(); ++i) {
    const auto& [name, type] = c.new_function->parameters[i];
    out << (i ? ", " : "");
    if (old_params.count(name)) out << "static_cast<" << to.spell(type) << ">(" << name << ")";
    else out << "{} /* TODO: new parameter " << name << " */";
  }
  out << (c.old_function->return_type >= 0 ? "));\n}\n\n" : ");\n}\n\n");
  return out.str();
}

}  // namespace

std::string transformer_symbol(const std::string& type_name) { return "hotswap_transform_" + identifier(type_name); }

std::string data_transformer_symbol(const SymbolRef& datum) {
  return "hotswap_transform_data_" + identifier(datum.file.empty() ? datum.name : datum.file + "::" + datum.name);
}

std::string inverse_symbol(const std::string& type_name) { return "hotswap_inverse_" + identifier(type_name); }

std::string data_inverse_symbol(const SymbolRef& datum) {
  return "hotswap_inverse_data_" + identifier(datum.file.empty() ? datum.name : datum.file + "::" + datum.name);
}

std::string stub_symbol(const SymbolRef& old_function) {
  return "hotswap_stub_" + identifier(old_function.file.empty() ? old_function.name
                                                                : old_function.file + "::" + old_function.name);
}

std::string generate_transform_source(const DiffResult& r) {
  std::set<std::string> changed;
  for (const auto& c : r.types.types) changed.insert(c.name);
  std::ostringstream out;
  out << "// transform.cpp: state transformers and stubs for the patch\n"
      << "//   " << r.old_release->record.binary << " (" << r.old_release->record.build_id.substr(0, 12) << ")\n"
      << "//   -> " << r.new_release->record.binary << " (" << r.new_release->record.build_id.substr(0, 12) << ")\n"
      << "// Generated by `hotswap diff`. Review every TODO, then re-run it with --transform on this file.\n"
      << "// A transformer gets the old object and the new one (already initialized) and returns 0, or\n"
      << "// non-zero to refuse the update; default ones copy members of the same name, convert\n"
      << "// arithmetic ones with a range check, and leave new members as the new release's\n"
      << "// initializer made them. Each has an inverse (hotswap_inverse_*), which revert runs from\n"
      << "// the new object into the old one; a patch without it cannot be reverted.\n"
      << "#include <cstddef>\n#include <cstdint>\n#include <cstring>\n#include <map>\n#include <memory>\n"
      << "#include <string>\n#include <unordered_map>\n#include <vector>\n\n"
      << "#include <cmath>\n#include <limits>\n#include <type_traits>\n\n"
      << "// Whether an arithmetic value is in the range of the type To (checked before converting:\n"
      << "// an out-of-range conversion from a floating-point value is undefined). Integers must keep\n"
      << "// their value; floating-point values their magnitude (NaN and infinities only go to\n"
      << "// floating-point types; rounding is allowed).\n"
      << "template <class To, class From>\nbool hotswap_fits(From value) {\n"
      << "  if constexpr (std::is_floating_point_v<From>) {\n"
      << "    if (!std::isfinite(value)) return std::is_floating_point_v<To>;\n"
      << "    if constexpr (std::is_same_v<To, bool>) return value == 0 || value == 1;\n"
      << "    if constexpr (std::is_floating_point_v<To>)\n"
      << "      return std::fabs(static_cast<long double>(value)) <= static_cast<long double>(std::numeric_limits<To>::max());\n"
      << "    else\n"
      << "      return std::trunc(static_cast<long double>(value)) >= static_cast<long double>(std::numeric_limits<To>::lowest()) &&\n"
      << "             std::trunc(static_cast<long double>(value)) <= static_cast<long double>(std::numeric_limits<To>::max());\n"
      << "  } else if constexpr (std::is_floating_point_v<To>) {\n"
      << "    return true;\n"
      << "  } else {\n"
      << "    To converted = static_cast<To>(value);\n"
      << "    return static_cast<From>(converted) == value && ((value < From{}) == (converted < To{}));\n"
      << "  }\n}\n\n";
  if (!r.types.types.empty()) {
    out << write_layouts(r, changed, true) << write_layouts(r, changed, false);
    Spelling from(r.old_release->dwarf.types, "hotswap_old", changed);
    Spelling to(r.new_release->dwarf.types, "hotswap_new", changed);
    for (const TypeChange* c : dependency_order(r.types.types, r.new_release->dwarf.types, false)) {
      const TypeNode* a = r.old_release->dwarf.types.get(c->old_id);
      const TypeNode* b = r.new_release->dwarf.types.get(c->new_id);
      for (bool inverse : {false, true}) {
        Direction direction{inverse};
        if (a && b && a->kind == TypeKind::kStruct && b->kind == TypeKind::kStruct)
          out << write_transformer(r, *c, from, to, direction);
        else
          out << "extern \"C\" int " << direction.symbol(c->name)
              << "(const void*, void*) { return 0; }  // TODO: " << c->name << " is not a struct\n\n";
      }
    }
  }
  for (const DataTypeChange& d : r.types.data)
    if (d.changed_type.empty() && !d.read_only) out << write_data_transformer(r, d, false) << write_data_transformer(r, d, true);
  for (const SignatureChange& s : r.types.signatures) out << write_stub(r, s);
  return out.str();
}

}  // namespace hotswap::diff
