#include "tool/diff/cpp_render.h"

namespace hotswap::diff {
namespace {

std::string join_declarator(const std::string& type, const std::string& inner) {
  if (inner.empty()) return type;
  if (inner[0] == '[' || inner[0] == '*' || inner[0] == '&') return type + inner;
  return type + " " + inner;
}

std::string declare_at(const TypeTable& table, int id, const std::string& inner, int depth) {
  const TypeNode* n = table.get(id);
  if (id < 0) return join_declarator("void", inner);
  if (!n || depth > 32) return join_declarator("void*", inner);
  auto wraps = [&](int target) {
    const TypeNode* t = table.get(target);
    return t && (t->kind == TypeKind::kArray || t->kind == TypeKind::kFunction);
  };
  switch (n->kind) {
    case TypeKind::kVoid:
      return join_declarator("void", inner);
    case TypeKind::kBase:  // C's _Bool is C++'s bool (same size and values on x86-64)
      return join_declarator(n->name == "_Bool" ? "bool" : n->name, inner);
    case TypeKind::kTypedef:
      return join_declarator(n->name, inner);
    case TypeKind::kStruct:
      return join_declarator(n->name.empty() ? "/* anonymous " + n->keyword + " */ void*" : n->name, inner);
    case TypeKind::kEnum:
      return join_declarator(n->name.empty() ? "int" : n->name, inner);
    case TypeKind::kPointer:
    case TypeKind::kReference:
    case TypeKind::kRvalueReference: {
      std::string op = n->kind == TypeKind::kPointer ? "*" : n->kind == TypeKind::kReference ? "&" : "&&";
      if (wraps(n->target)) return declare_at(table, n->target, "(" + op + inner + ")", depth + 1);
      bool tight = inner.empty() || inner[0] == '*' || inner[0] == '&' || inner[0] == '[';
      return declare_at(table, n->target, op + (tight ? "" : " ") + inner, depth + 1);
    }
    case TypeKind::kConst:
    case TypeKind::kVolatile: {
      std::string q = n->kind == TypeKind::kConst ? "const" : "volatile";
      const TypeNode* t = table.get(n->target);
      if (t && (t->kind == TypeKind::kPointer || t->kind == TypeKind::kReference ||
                t->kind == TypeKind::kRvalueReference))
        return declare_at(table, n->target, q + (inner.empty() ? "" : " " + inner), depth + 1);
      return q + " " + declare_at(table, n->target, inner, depth + 1);
    }
    case TypeKind::kArray: {
      std::string dims;
      for (auto d : n->dimensions) dims += d ? "[" + std::to_string(d) + "]" : "[]";
      return declare_at(table, n->target, inner + dims, depth + 1);
    }
    case TypeKind::kFunction: {
      std::string params;
      for (std::size_t i = 0; i < n->parameters.size(); ++i)
        params += (i ? ", " : "") + declare_at(table, n->parameters[i], "", depth + 1);
      if (n->variadic) params += n->parameters.empty() ? "..." : ", ...";
      return declare_at(table, n->target, inner + "(" + params + ")" + (n->const_member ? " const" : ""), depth + 1);
    }
    case TypeKind::kPointerToMember: {
      // `int Peer::*pf`, `int (Peer::*pm)(int) const`: the class, spelled as the table
      // names it, before the `*`.
      const TypeNode* c = table.get(n->containing);
      if (!c || c->name.empty()) return join_declarator("void*", inner);
      std::string op = c->name + "::*" + inner;
      if (wraps(n->target)) return declare_at(table, n->target, "(" + op + ")", depth + 1);
      return declare_at(table, n->target, op, depth + 1);
    }
    case TypeKind::kOther:
      return join_declarator("void*", inner);
  }
  return join_declarator("void*", inner);
}

bool spellable(const TypeTable& table, int id, int depth) {
  const TypeNode* n = table.get(id);
  if (id < 0) return true;
  if (!n || depth > 32) return false;
  switch (n->kind) {
    case TypeKind::kVoid:
    case TypeKind::kBase:
      return true;
    case TypeKind::kStruct:
    case TypeKind::kEnum:
    case TypeKind::kTypedef:
      return n->name.rfind("std::", 0) == 0;
    case TypeKind::kPointer:
    case TypeKind::kConst:
    case TypeKind::kVolatile:
    case TypeKind::kArray:
      return spellable(table, n->target, depth + 1);
    case TypeKind::kPointerToMember:
      return spellable(table, n->containing, depth + 1) && spellable(table, n->target, depth + 1);
    default:
      return false;
  }
}

}  // namespace

std::string spell_type(const TypeTable& table, int id) { return declare_at(table, id, "", 0); }

std::string declare(const TypeTable& table, int id, const std::string& name) {
  return declare_at(table, id, name, 0);
}

bool spellable_without_headers(const TypeTable& table, int id) { return spellable(table, id, 0); }

}  // namespace hotswap::diff
