// How the generated transform file and its unit spell the two releases' types: the new
// release's types as the program's own (from its headers), the old release's changed types
// in namespace hotswap_old, nesting the program's namespaces (hotswap_old::app::Session),
// and every type built from them with them (std::vector<hotswap_old::app::Item>).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tool/diff/type_model.h"

namespace hotswap::diff {

inline constexpr const char* kOldNamespace = "hotswap_old";

// Whether a DWARF type name can be written in C++: not a lambda's closure, not an anonymous
// type or namespace.
bool spellable_name(const std::string& name);

// Whether a changed type is one the transform file declares in hotswap_old and transforms
// by an overload: the program's own classes, instances of its own class templates included
// (app::Box<int>). The standard library's types are spelled from them instead
// (std::vector<hotswap_old::app::Item>).
bool declared_in_transform(const std::string& name);

// An instance of a class template, as DWARF names it without its scope: "Ring<app::Box<int>, 4>"
// -> {"Ring", {"app::Box<int>", "4"}}; nullopt for a name that is not one.
struct TemplateInstance {
  std::string name;
  std::vector<std::string> arguments;
};
std::optional<TemplateInstance> template_instance(const std::string& leaf);

// How the old layout of an instance is declared in hotswap_old: an explicit specialization
// of a template of the same name whose parameters only need to be of the same kinds
// ("template <class...>", "template <auto...>", or "template <class, auto>" for both), its
// arguments the program's types from the global scope. The old layout is then named as
// DWARF names the instance: hotswap_old::app::Ring<app::Box<int>, 4>.
std::string template_parameters(const TemplateInstance& instance);
std::string specialization(const TemplateInstance& instance);

// `text` with every changed type's qualified name (a whole name, not part of a longer one)
// put in hotswap_old: "std::vector<app::Item>" -> "std::vector<hotswap_old::app::Item>".
std::string in_old_namespace(const std::string& text, const std::set<std::string>& changed);

// A view of the old release's types in which changed types and the templates built from them
// are spelled in hotswap_old, and typedefs are seen through: the transform unit resolves a
// typedef with the new release's headers, where it may name another type (a changed class,
// or `typedef int counter_t;` become long). `global`: every qualified name starts with
// "::", so that it means the same inside namespace hotswap_old::app (for writing code; DWARF
// names have none).
TypeTable old_view(const TypeTable& table, const std::set<std::string>& changed, bool global = true);

// A release's types with typedefs seen through, names as they are: for spelling a type in a
// unit that may not include the header declaring a typedef it uses (the layout of a class
// defined in a source file, the glue's types of migrated data).
TypeTable without_typedefs(const TypeTable& table);

// Every qualified name in `text` from the global scope: "app::Box<app::Item>" ->
// "::app::Box<::app::Item>".
std::string globally_qualified(const std::string& text);

// A declaration of `name` of type `id` as the table spells it; "" if it cannot be written.
std::string spell_declaration(const TypeTable& table, int id, const std::string& name);

// The declaration `id` without top-level const and volatile, for a datum's type.
std::string spell_object_type(const TypeTable& table, int id);

// "app::Session" -> {"app", "Session"}; template arguments are not split.
std::pair<std::string, std::string> split_scope(const std::string& qualified);

}  // namespace hotswap::diff
