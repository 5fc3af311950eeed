// Classes and enums declared inside a function body. The reader names them
// "{local}::Entry" (DWARF gives no scope a C++ name could spell), keeps them out of the
// named types a release compares, and no file outside the function can name them. A datum
// that holds one (a function's `static std::vector<Entry>`) therefore can neither be
// migrated nor be compared by the names it mentions: these helpers find such types by
// following the type graph itself.
#pragma once

#include <string>
#include <vector>

#include "tool/diff/type_model.h"
#include "tool/diff/type_signature.h"

namespace hotswap::diff {

// Whether a type name is one the reader gave a type declared inside a function.
bool is_local_type_name(const std::string& name);

// The local classes and enums a value of a type holds or reaches: through members, bases,
// pointers, arrays and template arguments, in the order a depth-first walk meets them. One
// pass over the table finds which types reach any, so that asking for every datum of a
// large program stays cheap.
class LocalTypesReached {
 public:
  explicit LocalTypesReached(const TypeTable& table);
  std::vector<int> of(int id) const;
  const TypeTable& table() const { return table_; }

 private:
  int resolved(int id) const;
  bool reaches(int id) const;
  void walk(int id, std::vector<char>& seen, std::vector<int>& out) const;
  const TypeTable& table_;
  std::vector<char> reaches_;  // per node: 1 if it reaches a local type
};

// The first local type that a datum's old type and new type both reach and whose layout
// changed (or "" when every one kept its layout, by structural signature). The datum's own
// signature names such a class only where it is pointed to or a template argument, so a
// std::vector<Entry> keeps its signature while its elements grow.
std::string changed_local_type(const LocalTypesReached& old_locals, int old_id, const LocalTypesReached& new_locals,
                               int new_id, SignatureCache& old_sigs, SignatureCache& new_sigs);

}  // namespace hotswap::diff
