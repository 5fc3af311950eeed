// Structural type signatures (DESIGN §5): two types are layout-compatible exactly when their
// signatures are equal. A signature spells sizes, member names, offsets and member types,
// recursively; a pointer to a named struct is spelled by the struct's name, so that a change
// deep inside a pointed-to type is that type's change, not every pointer's.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "tool/diff/type_model.h"

namespace hotswap::diff {

class SignatureCache {
 public:
  explicit SignatureCache(const TypeTable& table);
  // The structural signature of type `id` (-1 is void). The reference is valid until the
  // next call.
  const std::string& signature(int id);

 private:
  std::string compute(int id);
  const TypeTable& table_;
  std::vector<std::string> memo_;
  std::vector<char> state_;  // 0 new, 1 in progress, 2 done
};

// Whether a type is the standard library's or the compiler's (its own name says so, not its
// template arguments): std::, __gnu_cxx::, a reserved name.
bool library_type(const std::string& name);

// The type with typedefs and cv-qualifiers peeled off.
int strip_aliases(const TypeTable& table, int id);

// A struct's complete definition, for one a unit knows only by name: the first unit that
// defines it, or -1.
int complete_definition(const TypeTable& table, const std::string& name);

// strip_aliases, and a declared class replaced by its definition where a unit has one (a
// class with a vtable is only declared in the units that lack its key function).
int defined_type(const TypeTable& table, int id);

// Whether copying the bytes of a value of this type copies the value: scalars, and arrays
// and structs of them without virtual functions. (A user-declared copy constructor of such
// a struct is not seen in DWARF; the type model has none.) std::string, a mutex, anything
// owning memory or identity is not.
bool plain_data(const TypeTable& table, int id, int depth = 0);

// The names of the struct, class, union and enum types a type mentions: itself, what it
// points to, its elements, its members, its bases, recursively.
void collect_named_types(const TypeTable& table, int id, std::set<std::string>& names);

// Whether a class has virtual functions: its own (a vtable pointer, virtual members) or a
// base's.
bool is_polymorphic(const TypeTable& table, int id);

// Whether destroying a value of this type that a failed migration built (its moved members
// given back, its counted pointers forgotten) releases only what the migration made: no
// class of the program it holds (by value, or owned through the standard library) declares
// a destructor of its own, which could release what a copy shares with the old object (a
// descriptor, a buffer), or has virtual functions, whose destructor would run through the
// running program's vtable, into the old release's code.
bool destroys_only_what_it_made(const TypeTable& table, int id);

// Whether the type name `text` names `type` as a whole name (a template argument:
// "std::map<int, app::Session>" names "app::Session", not "Session").
bool mentions_type(const std::string& text, const std::string& type);

// Whether the function entries a type holds (pointers to functions or member functions,
// in arrays and template arguments too) are called alike in both releases: the same
// parameters and result up to the changed classes they name, whatever cv or ref qualifiers
// say (transform_impl.h's same_call checks the same in C++). Paired by position through
// arrays (of any size) and template arguments (std::map<int, int (*)(int)> ->
// std::map<long, int (*)(int)> holds its entries alike). True when the new type holds none.
bool entries_alike(const TypeTable& old_table, int old_id, const TypeTable& new_table, int new_id, int depth = 0);

// The member-level difference of two versions of a struct, for people: "member `b` added
// at offset 8", "member `a` changed type int -> long", "size 8 -> 16".
std::vector<std::string> describe_struct_change(const TypeTable& old_table, int old_id,
                                                const TypeTable& new_table, int new_id);

}  // namespace hotswap::diff
