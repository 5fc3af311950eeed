// Types as DWARF describes them, reduced to what layout compatibility depends on. Plain data:
// the DWARF reader fills a TypeTable, tests build one by hand.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <unordered_map>
#include <vector>

namespace hotswap::diff {

enum class TypeKind {
  kVoid,
  kBase,
  kStruct,  // struct, class and union share the member model; `keyword` tells them apart
  kEnum,
  kPointer,
  kReference,
  kRvalueReference,
  kConst,
  kVolatile,
  kTypedef,
  kArray,
  kFunction,
  kPointerToMember,
  kOther,
};

struct TypeMember {
  std::string name;  // "" for an anonymous member
  std::uint64_t offset = 0;
  int type = -1;
  std::uint32_t bit_size = 0;    // 0 unless a bit-field
  std::uint32_t bit_offset = 0;  // DW_AT_data_bit_offset, for bit-fields
  bool is_base = false;          // a base class subobject
  bool virtual_base = false;     // a virtual base (its offset is found at run time)
  std::uint32_t alignment = 0;   // DW_AT_alignment: an alignas of the member's own, 0 if none
};

struct TypeNode {
  TypeKind kind = TypeKind::kOther;
  std::string keyword;  // "struct", "class", "union" for kStruct
  std::string name;     // qualified ("ns::Session"); "" if anonymous
  std::uint64_t size = 0;
  bool declaration = false;  // an incomplete type: only its name is known
  int target = -1;           // pointee, element, typedef target, return type, enum base (-1: void)
  std::vector<TypeMember> members;
  std::vector<int> parameters;               // kFunction
  bool variadic = false;                     // kFunction
  // kFunction: the type of a member function (its `this`, an artificial parameter DWARF
  // lists first, is left out of `parameters`); `const_member` for one called on const.
  bool member_function = false;
  bool const_member = false;
  int containing = -1;  // kPointerToMember: the class whose member it points to
  std::vector<std::uint64_t> dimensions;     // kArray; 0 for an unknown bound
  std::vector<std::pair<std::string, std::int64_t>> enumerators;  // kEnum
  std::vector<std::pair<std::string, std::uint64_t>> virtuals;     // name, vtable slot
  bool user_destructor = false;  // kStruct: declares a destructor of its own (not defaulted)
  // kStruct, an instance of a class template: its parameters in order, 't' a type, 'v' a
  // value, 'T' a template, 'p' a pack (whose arguments DWARF does not delimit).
  std::string template_parameters;
  // kStruct, an instance of a class template: the types its type arguments name, those of a
  // pack included, in order. What a container holds where no member leads (a map's nodes,
  // an optional's union) is named here, whatever name the compiler gives the instance.
  std::vector<int> template_arguments;
  std::string decl_file;  // where a named type is defined, as DWARF records it
};

struct TypeTable {
  std::vector<TypeNode> nodes;
  // Struct name -> its first complete definition, built when first asked (type_diff.cc).
  mutable std::unordered_map<std::string, int> complete_by_name;
  mutable bool complete_indexed = false;
  const TypeNode* get(int id) const {
    return id >= 0 && static_cast<std::size_t>(id) < nodes.size() ? &nodes[static_cast<std::size_t>(id)] : nullptr;
  }
  // Builds complete_by_name, once.
  void complete_definition_index() const {
    if (complete_indexed) return;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i].kind == TypeKind::kStruct && !nodes[i].declaration)
        complete_by_name.emplace(nodes[i].name, static_cast<int>(i));
    complete_indexed = true;
  }
  int add(TypeNode node) {
    nodes.push_back(std::move(node));
    return static_cast<int>(nodes.size() - 1);
  }
};

}  // namespace hotswap::diff
