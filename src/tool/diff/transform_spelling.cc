#include "tool/diff/transform_spelling.h"

#include <algorithm>
#include <cctype>

#include "tool/diff/cpp_render.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {
namespace {

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether `text` at `at` starts the whole name `name` (not a suffix of a longer qualified
// name, nor a prefix of a longer identifier).
bool whole_name_at(const std::string& text, std::size_t at, const std::string& name) {
  if (text.compare(at, name.size(), name) != 0) return false;
  if (at > 0 && (identifier_char(text[at - 1]) || text[at - 1] == ':')) return false;
  std::size_t end = at + name.size();
  if (end < text.size() && (identifier_char(text[end]) || text[end] == ':')) return false;
  return true;
}

}  // namespace

bool spellable_name(const std::string& name) {
  for (const char* marker : {"(anonymous", "{lambda", "<lambda", "<unnamed", "{unnamed", "anonymous ", "._"})
    if (name.find(marker) != std::string::npos) return false;
  return true;
}

bool declared_in_transform(const std::string& name) {
  if (name.empty() || name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0 || name.rfind("__", 0) == 0 ||
      !spellable_name(name))
    return false;
  // A class template's instance: its own name must be the program's (not nested in one of
  // the standard library's templates), and its arguments plain enough to be written back.
  std::string leaf = split_scope(name).second;
  if (name.find('<') == std::string::npos) return true;
  auto instance = template_instance(leaf);
  return instance && split_scope(name).first.find('<') == std::string::npos &&
         std::none_of(instance->arguments.begin(), instance->arguments.end(),
                      [](const std::string& a) { return a.empty() || a.find("...") != std::string::npos; });
}

std::string in_old_namespace(const std::string& text, const std::set<std::string>& changed) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    bool replaced = false;
    for (const std::string& c : changed)
      if (whole_name_at(text, at, c)) {
        out += std::string(kOldNamespace) + "::" + c;
        at += c.size();
        replaced = true;
        break;
      }
    if (!replaced) out += text[at++];
  }
  return out;
}

// `text` with every qualified name made global ("app::Buf" -> "::app::Buf"), so that it
// means the same inside namespace hotswap_old::app, where "app" would be hotswap_old::app.
std::string globally_qualified(const std::string& text) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    char c = text[at];
    bool starts = (std::isalpha(static_cast<unsigned char>(c)) || c == '_') &&
                  (at == 0 || !(identifier_char(text[at - 1]) || text[at - 1] == ':'));
    if (starts) {
      std::size_t end = at;
      while (end < text.size() && identifier_char(text[end])) ++end;
      if (text.compare(end, 2, "::") == 0) out += "::";
      out.append(text, at, end - at);
      at = end;
    } else {
      out += text[at++];
    }
  }
  return out;
}

// A type name that starts from the global scope ("item" -> "::item"): inside a layout, a
// member may have the name of its own type (C allows `item *item;`), which C++ accepts only
// for a qualified type name. Fundamental types (a changed enum carried as its underlying
// type) stay as they are.
std::string from_global_scope(const std::string& name) {
  if (name.empty() || name.rfind("::", 0) == 0 || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return name;
  std::size_t end = 0;
  while (end < name.size() && identifier_char(name[end])) ++end;
  static const std::set<std::string> fundamental = {"unsigned", "signed", "int",    "long",     "short",
                                                    "char",     "bool",   "float",  "double",   "void",
                                                    "wchar_t",  "char8_t", "char16_t", "char32_t", "_Bool",
                                                    "__int128", "const",  "volatile"};
  return fundamental.count(name.substr(0, end)) ? name : "::" + name;
}

namespace {

// Every typedef node becomes a copy of what it stands for, so that declarations spell that.
// A struct a typedef names (C's anonymous `typedef struct { ... } conn;`) keeps that name as
// its own.
void step_typedefs_aside(TypeTable& view) {
  for (std::size_t i = 0; i < view.nodes.size(); ++i) {
    if (view.nodes[i].kind != TypeKind::kTypedef) continue;
    int target = view.nodes[i].target;
    for (int depth = 0; depth < 64; ++depth) {
      const TypeNode* t = view.get(target);
      if (!t || t->kind != TypeKind::kTypedef) break;
      target = t->target;
    }
    if (target < 0) {
      view.nodes[i] = TypeNode{};
      view.nodes[i].kind = TypeKind::kVoid;
    } else if (const TypeNode* t = view.get(target)) {
      TypeNode stands_for = *t;
      view.nodes[i] = std::move(stands_for);
    }
  }
}

}  // namespace

TypeTable without_typedefs(const TypeTable& table) {
  TypeTable view = table;
  step_typedefs_aside(view);
  view.complete_by_name.clear();
  view.complete_indexed = false;
  return view;
}

TypeTable old_view(const TypeTable& table, const std::set<std::string>& changed, bool global) {
  TypeTable view = table;
  // A changed enum is carried as its underlying type (its enumerators are the new ones').
  for (TypeNode& n : view.nodes)
    if (n.kind == TypeKind::kEnum && changed.count(n.name)) {
      n.kind = TypeKind::kTypedef;
      n.name = n.target >= 0 ? spell_type(table, n.target) : "int";
    }
  for (TypeNode& n : view.nodes)
    if ((n.kind == TypeKind::kStruct || n.kind == TypeKind::kEnum) && !n.name.empty())
      n.name = in_old_namespace(n.name, changed);
  step_typedefs_aside(view);
  if (global)
    for (TypeNode& n : view.nodes)
      if (n.kind == TypeKind::kStruct || n.kind == TypeKind::kEnum || n.kind == TypeKind::kTypedef)
        n.name = from_global_scope(globally_qualified(n.name));
  // Names changed: the index of definitions by name is built again when first asked.
  view.complete_by_name.clear();
  view.complete_indexed = false;
  return view;
}

std::string spell_declaration(const TypeTable& table, int id, const std::string& name) {
  std::string d = declare(table, id, name);
  return spellable_name(d) ? d : "";
}

std::string spell_object_type(const TypeTable& table, int id) {
  const TypeNode* n = table.get(id);
  while (n && (n->kind == TypeKind::kConst || n->kind == TypeKind::kVolatile)) {
    id = n->target;
    n = table.get(id);
  }
  return spell_declaration(table, id, "");
}

std::pair<std::string, std::string> split_scope(const std::string& qualified) {
  int depth = 0;
  std::size_t last = std::string::npos;
  for (std::size_t i = 0; i + 1 < qualified.size(); ++i) {
    char c = qualified[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ':' && qualified[i + 1] == ':') last = i;
  }
  if (last == std::string::npos) return {"", qualified};
  return {qualified.substr(0, last), qualified.substr(last + 2)};
}

std::optional<TemplateInstance> template_instance(const std::string& leaf) {
  std::size_t open = leaf.find('<');
  if (open == std::string::npos || open == 0 || leaf.back() != '>') return std::nullopt;
  TemplateInstance out{leaf.substr(0, open), {}};
  int depth = 0;
  std::string current;
  auto finish = [&] {
    std::size_t b = current.find_first_not_of(' '), e = current.find_last_not_of(' ');
    out.arguments.push_back(b == std::string::npos ? "" : current.substr(b, e - b + 1));
    current.clear();
  };
  for (std::size_t i = open + 1; i + 1 < leaf.size(); ++i) {
    char c = leaf[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth < 0) return std::nullopt;
    if (c == ',' && depth == 0) {
      finish();
      continue;
    }
    current += c;
  }
  if (depth != 0) return std::nullopt;
  finish();
  return out;
}

namespace {
// A template argument that is a value (4, -1, 4UL, 'a', true, (app::Color)1), not a type.
bool is_value_argument(const std::string& a) {
  return !a.empty() && (std::isdigit(static_cast<unsigned char>(a[0])) || a[0] == '-' || a[0] == '\'' ||
                        a[0] == '(' || a == "true" || a == "false");
}
}  // namespace

std::string template_parameters(const TemplateInstance& instance) {
  if (std::none_of(instance.arguments.begin(), instance.arguments.end(), is_value_argument))
    return "template <class...>";
  if (std::all_of(instance.arguments.begin(), instance.arguments.end(), is_value_argument))
    return "template <auto...>";
  std::string out = "template <";
  for (std::size_t i = 0; i < instance.arguments.size(); ++i)
    out += std::string(i ? ", " : "") + (is_value_argument(instance.arguments[i]) ? "auto" : "class");
  return out + ">";
}

std::string specialization(const TemplateInstance& instance) {
  std::string out = instance.name + "<";
  for (std::size_t i = 0; i < instance.arguments.size(); ++i) {
    const std::string& a = instance.arguments[i];
    // A value as GCC writes an enumerator, (app::Color)1, names its type from the global
    // scope too; a character literal is left as it is.
    std::string spelled = !is_value_argument(a) ? from_global_scope(globally_qualified(a))
                          : a[0] == '(' ? globally_qualified(a)
                                        : a;
    out += std::string(i ? ", " : "") + spelled;
  }
  return out + (out.back() == '>' ? " >" : ">");
}

}  // namespace hotswap::diff
