#include "tool/diff/local_types.h"

#include <string_view>

#include "tool/diff/type_signature.h"

namespace hotswap::diff {

namespace {

constexpr std::string_view kLocalScope = "{local}::";

// The types a node leads to: what it points to, aliases or holds, and its template
// arguments.
template <class Visit>
void for_each_edge(const TypeNode& n, Visit&& visit) {
  if (n.target >= 0) visit(n.target);
  for (const TypeMember& m : n.members) visit(m.type);
  for (int argument : n.template_arguments) visit(argument);
}

}  // namespace

bool is_local_type_name(const std::string& name) { return name.find(kLocalScope) != std::string::npos; }

LocalTypesReached::LocalTypesReached(const TypeTable& table) : table_(table), reaches_(table.nodes.size(), 0) {
  // Backwards from every local type, along reversed edges: a node reaches one if it leads
  // to a node that does.
  std::vector<std::vector<int>> into(table.nodes.size());
  std::vector<int> work;
  for (std::size_t i = 0; i < table.nodes.size(); ++i) {
    const TypeNode& n = table.nodes[i];
    for_each_edge(n, [&](int to) {
      if (to >= 0 && static_cast<std::size_t>(to) < into.size()) into[static_cast<std::size_t>(to)].push_back(static_cast<int>(i));
    });
    if ((n.kind == TypeKind::kStruct || n.kind == TypeKind::kEnum) && is_local_type_name(n.name)) {
      reaches_[i] = 1;
      work.push_back(static_cast<int>(i));
    }
  }
  while (!work.empty()) {
    int at = work.back();
    work.pop_back();
    for (int from : into[static_cast<std::size_t>(at)])
      if (!reaches_[static_cast<std::size_t>(from)]) {
        reaches_[static_cast<std::size_t>(from)] = 1;
        work.push_back(from);
      }
  }
}

// A declared class stands for its definition, which may live in another unit.
int LocalTypesReached::resolved(int id) const {
  if (const TypeNode* n = table_.get(id); n && n->kind == TypeKind::kStruct && n->declaration)
    if (int defined = complete_definition(table_, n->name); defined >= 0) return defined;
  return id;
}

bool LocalTypesReached::reaches(int id) const {
  return id >= 0 && static_cast<std::size_t>(id) < reaches_.size() && reaches_[static_cast<std::size_t>(id)];
}

void LocalTypesReached::walk(int id, std::vector<char>& seen, std::vector<int>& out) const {
  int at = resolved(id);
  if (!reaches(at) || seen[static_cast<std::size_t>(at)]) return;
  seen[static_cast<std::size_t>(at)] = 1;
  const TypeNode& n = table_.nodes[static_cast<std::size_t>(at)];
  if ((n.kind == TypeKind::kStruct || n.kind == TypeKind::kEnum) && is_local_type_name(n.name)) out.push_back(at);
  for_each_edge(n, [&](int to) { walk(to, seen, out); });
}

std::vector<int> LocalTypesReached::of(int id) const {
  std::vector<int> out;
  if (!reaches(resolved(id))) return out;  // most data: nothing to walk
  std::vector<char> seen(reaches_.size(), 0);
  walk(id, seen, out);
  return out;
}

std::string changed_local_type(const LocalTypesReached& old_locals, int old_id, const LocalTypesReached& new_locals,
                               int new_id, SignatureCache& old_sigs, SignatureCache& new_sigs) {
  std::vector<int> after = new_locals.of(new_id);
  if (after.empty()) return "";
  std::vector<int> before = old_locals.of(old_id);
  for (std::size_t i = 0; i < after.size(); ++i)
    if (i >= before.size() || old_sigs.signature(before[i]) != new_sigs.signature(after[i]))
      return new_locals.table().nodes[static_cast<std::size_t>(after[i])].name;
  return "";
}

}  // namespace hotswap::diff
