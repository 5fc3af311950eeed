// DWARF comparison of two releases (DESIGN §5): changed struct/class layouts, changed types
// of globals and statics, changed function signatures, and the functions that touch them.
#pragma once

#include <string>
#include <vector>

#include "common/elf_file.h"
#include "common/manifest.h"
#include "tool/diff/dwarf_reader.h"
#include "tool/diff/object_diff.h"

namespace hotswap::diff {

// One member of a changed class as both releases have it: what the transform writer
// needs, decided once here (the writers do not compare types themselves).
struct MemberPair {
  std::string name;               // "" for a base class
  const TypeMember* old_member = nullptr;  // null: the new release added it
  const TypeMember* new_member = nullptr;  // null: the new release dropped it
  bool same_type = false;         // equal signatures in both releases
  bool plain = false;             // its bytes are its value (plain_data of the new type)
};

struct TypeChange {
  std::string name;                  // qualified
  std::vector<std::string> details;  // member-level differences, for people
  int old_id = -1;                   // in the old release's TypeTable
  int new_id = -1;                   // in the new release's
  std::vector<MemberPair> members;   // named members and bases, in the new layout's order, then dropped ones
};

struct DataTypeChange {
  SymbolRef symbol;
  std::string unit;
  std::string old_type, new_type;  // spelled
  int old_type_id = -1, new_type_id = -1;
  std::string changed_type;  // the changed struct it is an instance of, "" otherwise
  bool read_only = false;    // a constant: it takes the new release's value, nothing moves
  // Its type did not change, but it reaches a changed type through members, containers or
  // pointers (a std::unordered_map<int, std::unique_ptr<Session>>): it moves all the same.
  std::string reaches;  // how: "g_sessions -> std::unique_ptr<Session> -> Session", "" if retyped
};

struct SignatureChange {
  SymbolRef old_symbol, new_symbol;  // equal when only the return type changed
  std::string unit;
  std::string old_signature, new_signature;  // "int area(int w, int h)"
  const DwarfFunction* old_function = nullptr;
  const DwarfFunction* new_function = nullptr;
};

// A function that must be in the patch because of a type change, even if its code is equal.
struct TypeUser {
  SymbolRef function;
  std::string unit;
  std::string reason;
};

// A global or static whose migration the diff refuses (a polymorphic class, a pointer to it
// stored in data, a function-local static that is not plain data), with the reason.
struct UnmigratedReach {
  SymbolRef datum;
  std::string type;  // the changed type it reaches
  std::string path;  // how: "g_sessions -> std::vector<Session> -> Session"
};

struct TypeComparison {
  std::vector<TypeChange> types;
  // Class types whose layout did not change but which hold a changed type (a member, a
  // container's elements, a pointer): their objects are migrated as changed ones are.
  std::vector<TypeChange> reaching;
  std::vector<DataTypeChange> data;
  std::vector<SignatureChange> signatures;
  // Signatures whose types changed but not how they are passed (int -> unsigned int,
  // one pointer type for another): old callers call the new function as it is, no stub.
  // A typedef that names the same type (unsigned int -> client_flags_t) is no change at all.
  std::vector<SignatureChange> compatible_signatures;
  // Static functions whose signature changed and whose address is never taken: every caller
  // is in their unit, and joins the patch; the new function is simply new (no stub), and the
  // old one stays for the old activations that still call it.
  std::vector<SignatureChange> resigned;
  // Static functions whose signature changed and whose address is taken: a stub would have
  // to call a function local to another unit. Refused, with the reason.
  std::vector<std::string> unstubbable;
  std::vector<TypeUser> users;
  std::vector<UnmigratedReach> unmigrated;
};

struct DwarfSide {
  const DwarfInfo* info = nullptr;
  const ElfFile* binary = nullptr;
};

TypeComparison compare_types(const DwarfSide& old_side, const DwarfSide& new_side, const ObjectComparison& objects);

// "long area(long w, long h)": how the signature reads in C++.
std::string spell_signature(const TypeTable& table, const DwarfFunction& function);

}  // namespace hotswap::diff
