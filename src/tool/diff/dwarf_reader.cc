#include "tool/diff/dwarf_reader.h"

#include "tool/diff/cpp_render.h"
#include "tool/diff/type_signature.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <filesystem>
#include <unordered_map>

namespace hotswap::diff {
namespace {

const char* attr_string(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  if (!dwarf_attr_integrate(die, name, &attr)) return nullptr;
  return dwarf_formstring(&attr);
}

std::uint64_t attr_unsigned(Dwarf_Die* die, unsigned name, std::uint64_t fallback = 0) {
  Dwarf_Attribute attr;
  Dwarf_Word value;
  if (!dwarf_attr_integrate(die, name, &attr) || dwarf_formudata(&attr, &value) != 0) return fallback;
  return value;
}

bool attr_flag(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  bool value = false;
  if (!dwarf_attr_integrate(die, name, &attr) || dwarf_formflag(&attr, &value) != 0) return false;
  return value;
}

bool attr_die(Dwarf_Die* die, unsigned name, Dwarf_Die* out) {
  Dwarf_Attribute attr;
  return dwarf_attr_integrate(die, name, &attr) && dwarf_formref_die(&attr, out);
}

// Builds TypeNodes for type DIEs, once per DIE.
// A bit-field's place, the same whichever DWARF version wrote it: `bit_offset` counts from
// the start of the struct, and `offset` is the byte holding its first bit. DWARF 5 gives
// DW_AT_data_bit_offset so; DWARF 4 (GCC's -gdwarf-4) gives the storage unit's byte
// offset, its size, and DW_AT_bit_offset counted from the unit's most significant bit,
// which on a little-endian machine is (size * 8 - bit_offset - bit_size) from its start.
void place_bit_field(Dwarf_Die* member, TypeMember& m) {
  if (dwarf_hasattr(member, DW_AT_data_bit_offset)) {
    m.bit_offset = static_cast<std::uint32_t>(attr_unsigned(member, DW_AT_data_bit_offset));
  } else if (dwarf_hasattr(member, DW_AT_bit_offset)) {
    std::uint64_t unit_bytes = attr_unsigned(member, DW_AT_byte_size);
    Dwarf_Die dies[2], *at = member;
    for (int depth = 0; !unit_bytes && depth < 8 && attr_die(at, DW_AT_type, &dies[depth % 2]); ++depth) {  // typedefs
      at = &dies[depth % 2];
      unit_bytes = attr_unsigned(at, DW_AT_byte_size);
    }
    std::uint64_t from_msb = attr_unsigned(member, DW_AT_bit_offset);
    m.bit_offset = static_cast<std::uint32_t>(m.offset * 8 + unit_bytes * 8 - from_msb - m.bit_size);
  } else {
    m.bit_offset = static_cast<std::uint32_t>(m.offset * 8);
  }
  m.offset = m.bit_offset / 8;
}

class TypeBuilder {
 public:
  explicit TypeBuilder(TypeTable& table) : table_(table) {}

  int type_of(Dwarf_Die* die) {
    Dwarf_Die type;
    return attr_die(die, DW_AT_type, &type) ? build(&type) : -1;
  }

  int build(Dwarf_Die* die) {
    Dwarf_Off off = dwarf_dieoffset(die);
    if (auto it = ids_.find(off); it != ids_.end()) return it->second;
    int id = table_.add(TypeNode{});
    ids_[off] = id;
    TypeNode node = describe(die);
    table_.nodes[static_cast<std::size_t>(id)] = std::move(node);
    return id;
  }

  // Records the qualified name of every named DIE in the unit's scopes (namespaces,
  // classes, function bodies) in one pass, so that naming a type is a lookup.
  void index_scopes(Dwarf_Die* parent, const std::string& prefix) {
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0) return;
    do {
      int tag = dwarf_tag(&child);
      const char* name = dwarf_diename(&child);
      bool scope = tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
                   tag == DW_TAG_union_type || tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block;
      if (name && tag != DW_TAG_namespace) scoped_names_[dwarf_dieoffset(&child)] = prefix + name;
      if (!scope || !dwarf_haschildren(&child)) continue;
      std::string inner = prefix;
      if (tag == DW_TAG_namespace) inner += std::string(name ? name : "(anonymous namespace)") + "::";
      else if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block) inner += "{local}::";
      else if (name) inner += std::string(name) + "::";
      else inner += "{anonymous}::";
      index_scopes(&child, inner);
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  std::string qualified_name(Dwarf_Die* die) {
    if (auto it = scoped_names_.find(dwarf_dieoffset(die)); it != scoped_names_.end()) return it->second;
    const char* name = dwarf_diename(die);
    return name ? name : "";
  }

 private:
  TypeNode describe(Dwarf_Die* die) {
    TypeNode n;
    n.size = attr_unsigned(die, DW_AT_byte_size);
    n.declaration = attr_flag(die, DW_AT_declaration);
    switch (dwarf_tag(die)) {
      case DW_TAG_base_type:
      case DW_TAG_unspecified_type:
        n.kind = TypeKind::kBase;
        n.name = dwarf_diename(die) ? dwarf_diename(die) : "";
        break;
      case DW_TAG_structure_type:
      case DW_TAG_class_type:
      case DW_TAG_union_type:
        n.kind = TypeKind::kStruct;
        n.keyword = dwarf_tag(die) == DW_TAG_union_type ? "union" : dwarf_tag(die) == DW_TAG_class_type ? "class" : "struct";
        n.name = qualified_name(die);
        if (!n.declaration) read_members(die, n);
        break;
      case DW_TAG_enumeration_type:
        n.kind = TypeKind::kEnum;
        n.name = qualified_name(die);
        n.target = type_of(die);
        read_enumerators(die, n);
        break;
      case DW_TAG_pointer_type:
        n.kind = TypeKind::kPointer;
        n.target = type_of(die);
        if (!n.size) n.size = 8;
        break;
      case DW_TAG_reference_type:
        n.kind = TypeKind::kReference;
        n.target = type_of(die);
        n.size = 8;
        break;
      case DW_TAG_rvalue_reference_type:
        n.kind = TypeKind::kRvalueReference;
        n.target = type_of(die);
        n.size = 8;
        break;
      case DW_TAG_const_type:
        n.kind = TypeKind::kConst;
        n.target = type_of(die);
        break;
      case DW_TAG_volatile_type:
        n.kind = TypeKind::kVolatile;
        n.target = type_of(die);
        break;
      case DW_TAG_typedef:
        n.kind = TypeKind::kTypedef;
        n.name = qualified_name(die);
        n.target = type_of(die);
        break;
      case DW_TAG_array_type:
        n.kind = TypeKind::kArray;
        n.target = type_of(die);
        read_dimensions(die, n);
        break;
      case DW_TAG_subroutine_type:
        n.kind = TypeKind::kFunction;
        n.target = type_of(die);
        read_parameters(die, n);
        break;
      case DW_TAG_ptr_to_member_type: {
        n.kind = TypeKind::kPointerToMember;
        n.target = type_of(die);
        if (Dwarf_Die c; attr_die(die, DW_AT_containing_type, &c)) n.containing = build(&c);
        // DWARF gives no size: the Itanium ABI's pointer to a data member is an offset (8
        // bytes), to a member function an address and an adjustment (16).
        const TypeNode* pointee = table_.get(n.target);
        if (!n.size) n.size = pointee && pointee->kind == TypeKind::kFunction ? 16 : 8;
        break;
      }
      default:
        n.kind = TypeKind::kOther;
        n.name = dwarf_diename(die) ? dwarf_diename(die) : "";
        break;
    }
    n.decl_file = decl_file(die);
    return n;
  }

  // DW_AT_decl_file as a path. Read through the unit's file table here: DWARF 5 numbers
  // the unit's own source 0 (Clang writes that), which dwarf_decl_file takes for "none".
  static std::string decl_file(Dwarf_Die* die) {
    Dwarf_Attribute attr;
    Dwarf_Word index = 0;
    if (!dwarf_attr_integrate(die, DW_AT_decl_file, &attr) || dwarf_formudata(&attr, &index) != 0) return "";
    Dwarf_Die cu;
    Dwarf_Files* files = nullptr;
    std::size_t count = 0;
    if (!dwarf_diecu(die, &cu, nullptr, nullptr) || dwarf_getsrcfiles(&cu, &files, &count) != 0 || index >= count)
      return "";
    const char* name = dwarf_filesrc(files, index, nullptr, nullptr);
    return name ? name : "";
  }

  void read_members(Dwarf_Die* die, TypeNode& n) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    do {
      int tag = dwarf_tag(&child);
      if (tag == DW_TAG_member || tag == DW_TAG_inheritance) {
        // Static data members are declarations without a location in the object.
        if (tag == DW_TAG_member && (attr_flag(&child, DW_AT_external) || attr_flag(&child, DW_AT_declaration)))
          continue;
        TypeMember m;
        m.is_base = tag == DW_TAG_inheritance;
        m.virtual_base = m.is_base && dwarf_hasattr(&child, DW_AT_virtuality);
        m.type = type_of(&child);
        const char* name = dwarf_diename(&child);
        if (name) m.name = name;
        else if (m.is_base) m.name = table_.get(m.type) ? table_.get(m.type)->name : "";
        m.offset = attr_unsigned(&child, DW_AT_data_member_location);
        m.bit_size = static_cast<std::uint32_t>(attr_unsigned(&child, DW_AT_bit_size));
        m.alignment = static_cast<std::uint32_t>(attr_unsigned(&child, DW_AT_alignment));
        if (m.bit_size) place_bit_field(&child, m);
        n.members.push_back(std::move(m));
      } else if (tag == DW_TAG_subprogram && dwarf_hasattr(&child, DW_AT_vtable_elem_location)) {
        const char* name = dwarf_diename(&child);
        std::uint64_t slot = 0;
        Dwarf_Attribute attr;
        Dwarf_Op* ops = nullptr;
        std::size_t count = 0;
        if (dwarf_attr(&child, DW_AT_vtable_elem_location, &attr) &&
            dwarf_getlocation(&attr, &ops, &count) == 0 && count >= 1)
          slot = ops[0].number;
        n.virtuals.emplace_back(name ? name : "", slot);
      }
      if (tag == DW_TAG_template_type_parameter) n.template_parameters += 't';
      else if (tag == DW_TAG_template_value_parameter) n.template_parameters += 'v';
      else if (tag == DW_TAG_GNU_template_template_param) n.template_parameters += 'T';
      else if (tag == DW_TAG_GNU_template_parameter_pack) n.template_parameters += 'p';
      if (tag == DW_TAG_template_type_parameter || tag == DW_TAG_GNU_template_parameter_pack)
        read_template_arguments(&child, n);
      if (tag == DW_TAG_subprogram) {
        // A destructor the program wrote (not the compiler's, nor `= default` in the class):
        // it may release what a bitwise copy of the object shares with the original.
        const char* name = dwarf_diename(&child);
        if (name && name[0] == '~' && !attr_flag(&child, DW_AT_artificial) &&
            attr_unsigned(&child, DW_AT_defaulted) != DW_DEFAULTED_in_class)
          n.user_destructor = true;
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  // The types a template type parameter, or each of a pack's, stands for.
  void read_template_arguments(Dwarf_Die* parameter, TypeNode& n) {
    if (dwarf_tag(parameter) == DW_TAG_template_type_parameter) {
      if (int type = type_of(parameter); type >= 0) n.template_arguments.push_back(type);
      return;
    }
    Dwarf_Die child;
    if (dwarf_child(parameter, &child) != 0) return;
    do
      if (dwarf_tag(&child) == DW_TAG_template_type_parameter) read_template_arguments(&child, n);
    while (dwarf_siblingof(&child, &child) == 0);
  }

  void read_enumerators(Dwarf_Die* die, TypeNode& n) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    do {
      if (dwarf_tag(&child) != DW_TAG_enumerator) continue;
      Dwarf_Attribute attr;
      Dwarf_Sword value = 0;
      if (dwarf_attr(&child, DW_AT_const_value, &attr)) dwarf_formsdata(&attr, &value);
      const char* name = dwarf_diename(&child);
      n.enumerators.emplace_back(name ? name : "", value);
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  void read_dimensions(Dwarf_Die* die, TypeNode& n) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    do {
      if (dwarf_tag(&child) != DW_TAG_subrange_type) continue;
      std::uint64_t count = attr_unsigned(&child, DW_AT_count, 0);
      if (!count && dwarf_hasattr(&child, DW_AT_upper_bound)) count = attr_unsigned(&child, DW_AT_upper_bound) + 1;
      n.dimensions.push_back(count);
    } while (dwarf_siblingof(&child, &child) == 0);
    std::uint64_t elements = 1;
    for (auto d : n.dimensions) elements *= d;
    // The element's size, through typedefs and qualifiers (io_queue_cb_t[3]).
    const TypeNode* element = table_.get(strip_aliases(table_, n.target));
    if (!n.size && element) n.size = elements * element->size;
  }

  void read_parameters(Dwarf_Die* die, TypeNode& n) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    bool first = true;
    do {
      if (dwarf_tag(&child) == DW_TAG_formal_parameter) {
        // A member function's type (what a pointer to member function points to) lists its
        // `this` first, artificial: `int (Peer::*)(int) const` has a `const Peer*` there.
        Dwarf_Attribute flag;
        bool artificial = false;
        if (first && n.kind == TypeKind::kFunction && dwarf_attr(&child, DW_AT_artificial, &flag) &&
            dwarf_formflag(&flag, &artificial) == 0 && artificial) {
          n.member_function = true;
          const TypeNode* self = table_.get(type_of(&child));
          const TypeNode* object = self && self->kind == TypeKind::kPointer ? table_.get(self->target) : nullptr;
          n.const_member = object && object->kind == TypeKind::kConst;
        } else {
          n.parameters.push_back(type_of(&child));
        }
        first = false;
      }
      if (dwarf_tag(&child) == DW_TAG_unspecified_parameters) n.variadic = true;
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  TypeTable& table_;
  std::unordered_map<Dwarf_Off, int> ids_;
  std::unordered_map<Dwarf_Off, std::string> scoped_names_;
};

// Walks one compilation unit: named type definitions, functions with code, variables with
// a static address.
class UnitWalker {
 public:
  UnitWalker(DwarfInfo& info, TypeBuilder& types, std::string unit) : info_(info), types_(types), unit_(std::move(unit)) {}

  void walk(Dwarf_Die* die, DwarfFunction* function) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    do visit(&child, function);
    while (dwarf_siblingof(&child, &child) == 0);
  }

 private:
  // C's `typedef struct { ... } LIBEVENT_THREAD;`: the struct has no name of its own, so it
  // is known by its typedef's (as people and the generated transform file name it).
  void name_anonymous_type(Dwarf_Die* typedef_die) {
    Dwarf_Die target;
    if (!dwarf_diename(typedef_die) || !attr_die(typedef_die, DW_AT_type, &target)) return;
    int tag = dwarf_tag(&target);
    if ((tag != DW_TAG_structure_type && tag != DW_TAG_class_type && tag != DW_TAG_union_type &&
         tag != DW_TAG_enumeration_type) ||
        dwarf_diename(&target) || attr_flag(&target, DW_AT_declaration))
      return;
    int id = types_.build(&target);
    TypeNode& node = info_.types.nodes[static_cast<std::size_t>(id)];
    if (!node.name.empty()) return;
    node.name = types_.qualified_name(typedef_die);
    info_.named_types.emplace(node.name, id);
  }

  // Two definitions of one name that lay out alike (the same class seen in two units).
  bool same_layout(const TypeNode& a, const TypeNode& b) const {
    if (a.kind != b.kind || a.size != b.size || a.members.size() != b.members.size()) return false;
    const TypeTable& t = info_.types;
    for (std::size_t i = 0; i < a.members.size(); ++i) {
      const TypeMember &m = a.members[i], &n = b.members[i];
      if (m.name != n.name || m.offset != n.offset || m.bit_size != n.bit_size || m.alignment != n.alignment)
        return false;
      if (m.type == n.type) continue;
      // A member's type is compared by what it is called, not by its node: a class with a
      // vtable is only declared (size 0) in the units that lack its key function, and is the
      // same class as its definition elsewhere.
      int x = strip_aliases(t, m.type), y = strip_aliases(t, n.type);
      if (spell_type(t, x) != spell_type(t, y)) return false;
      const TypeNode *p = t.get(x), *q = t.get(y);
      if (p && q && !p->declaration && !q->declaration && p->size != q->size) return false;
    }
    return true;
  }

  // How many of a class's members are of a class this unit only declares (one with a vtable
  // whose key function is elsewhere): of two definitions alike, the one with fewer gives the
  // members' sizes, which old layouts need.
  std::size_t declared_members(const TypeNode& node) const {
    const TypeTable& t = info_.types;
    return static_cast<std::size_t>(std::count_if(node.members.begin(), node.members.end(), [&](const TypeMember& m) {
      const TypeNode* type = t.get(strip_aliases(t, m.type));
      return type && type->declaration;
    }));
  }

  void visit(Dwarf_Die* die, DwarfFunction* function) {
    switch (dwarf_tag(die)) {
      case DW_TAG_namespace:
        walk(die, function);
        break;
      case DW_TAG_structure_type:
      case DW_TAG_class_type:
      case DW_TAG_union_type:
      case DW_TAG_enumeration_type:
        if (!function && !attr_flag(die, DW_AT_declaration) && dwarf_diename(die)) {
          int id = types_.build(die);
          const TypeNode& node = info_.types.nodes[static_cast<std::size_t>(id)];
          auto [at, fresh] = info_.named_types.emplace(node.name, id);
          if (!fresh && at->second != id) {
            const TypeNode& first = info_.types.nodes[static_cast<std::size_t>(at->second)];
            if (!same_layout(first, node)) info_.ambiguous_types.insert(node.name);
            else if (declared_members(node) < declared_members(first)) at->second = id;  // the one that says more
          }
        }
        walk(die, function);  // nested types and member functions' out-of-line definitions
        break;
      case DW_TAG_typedef:
        if (!function) name_anonymous_type(die);
        break;
      case DW_TAG_subprogram:
        visit_subprogram(die, function);
        break;
      case DW_TAG_variable:
        visit_variable(die, function);
        break;
      case DW_TAG_formal_parameter:
        if (function) use(types_.type_of(die), *function);
        break;
      case DW_TAG_lexical_block:
        if (function) walk(die, function);
        break;
      case DW_TAG_inlined_subroutine:
        if (function) {
          Dwarf_Die origin;
          if (attr_die(die, DW_AT_abstract_origin, &origin)) use(types_.type_of(&origin), *function);
          walk(die, function);
        }
        break;
      default:
        break;
    }
  }

  void use(int type, DwarfFunction& function) {
    if (type >= 0) collect_named(type, function.types_used);
  }

  void collect_named(int id, std::set<std::string>& names);

  void visit_subprogram(Dwarf_Die* die, DwarfFunction* outer) {
    std::vector<std::uint64_t> entries;
    Dwarf_Addr low = 0;
    if (dwarf_lowpc(die, &low) == 0) {
      entries.push_back(low);
    } else {
      Dwarf_Addr base, start, end;
      ptrdiff_t off = 0;
      while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0) entries.push_back(start);
    }
    if (entries.empty() || outer) {
      if (outer) walk(die, outer);  // a nested definition (lambda) is its own function below
      if (entries.empty()) return;
    }
    DwarfFunction f;
    f.unit = unit_;
    f.entries = std::move(entries);
    if (const char* name = attr_string(die, DW_AT_name)) f.name = name;
    if (const char* linkage = attr_string(die, DW_AT_linkage_name)) f.linkage_name = linkage;
    f.return_type = types_.type_of(die);
    use(f.return_type, f);
    Dwarf_Die child;
    if (dwarf_child(die, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
        const char* pname = attr_string(&child, DW_AT_name);
        f.parameters.emplace_back(pname ? pname : "", types_.type_of(&child));
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    walk(die, &f);
    info_.functions.push_back(std::move(f));
  }

  void visit_variable(Dwarf_Die* die, DwarfFunction* function) {
    int type = types_.type_of(die);
    if (function) use(type, *function);
    Dwarf_Attribute attr;
    Dwarf_Op* ops = nullptr;
    std::size_t count = 0;
    if (!dwarf_attr(die, DW_AT_location, &attr) || dwarf_getlocation(&attr, &ops, &count) != 0) return;
    if (count != 1) return;  // locals on the stack, TLS
    Dwarf_Addr address = 0;
    if (ops[0].atom == DW_OP_addr) {
      address = ops[0].number;
    } else if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
      // DWARF 5 (Clang's default): an index into .debug_addr.
      Dwarf_Attribute indexed;
      if (dwarf_getlocation_attr(&attr, &ops[0], &indexed) != 0 || dwarf_formaddr(&indexed, &address) != 0) return;
    } else {
      return;
    }
    DwarfVariable v;
    v.unit = unit_;
    v.address = address;
    v.type = type;
    if (const char* name = attr_string(die, DW_AT_name)) v.name = name;
    if (const char* linkage = attr_string(die, DW_AT_linkage_name)) v.linkage_name = linkage;
    info_.variables.push_back(std::move(v));
  }

  DwarfInfo& info_;
  TypeBuilder& types_;
  std::string unit_;
};

void UnitWalker::collect_named(int id, std::set<std::string>& names) {
  // Named types reachable from a function's variables: through pointers, members, elements.
  std::vector<int> stack = {id};
  std::set<int> seen;
  while (!stack.empty()) {
    int t = stack.back();
    stack.pop_back();
    const TypeNode* n = info_.types.get(t);
    if (!n || !seen.insert(t).second) continue;
    if ((n->kind == TypeKind::kStruct || n->kind == TypeKind::kEnum) && !n->name.empty()) names.insert(n->name);
    stack.push_back(n->target);
    for (const TypeMember& m : n->members) stack.push_back(m.type);
  }
}

struct DwarfHandle {
  int fd = -1;
  Dwarf* dwarf = nullptr;
  ~DwarfHandle() {
    if (dwarf) dwarf_end(dwarf);
    if (fd >= 0) ::close(fd);
  }
};

// The build record's name for a DWARF unit, or "" if it is not one of `units`. The record
// names a unit as its object's symbol table does (GCC: the source's file name, "server.cc");
// DWARF by the path it was compiled as, below the source root ("src/server.cc"). Matching
// only the whole name once skipped every unit of a tree with its sources in a folder, and
// with them every type change.
std::string unit_of(const std::string& cu_name, const std::set<std::string>& units) {
  if (units.count(cu_name)) return cu_name;
  std::string base = std::filesystem::path(cu_name).filename().string();
  if (base != cu_name && units.count(base)) return base;
  return "";
}

}  // namespace

Expected<DwarfInfo> read_dwarf(const std::string& binary, const std::set<std::string>& units) {
  DwarfHandle h;
  h.fd = ::open(binary.c_str(), O_RDONLY | O_CLOEXEC);
  if (h.fd < 0) return make_error(binary + ": cannot open: " + std::strerror(errno));
  h.dwarf = dwarf_begin(h.fd, DWARF_C_READ);
  if (!h.dwarf) return make_error(binary + ": no DWARF (build with -g): " + dwarf_errmsg(-1));
  DwarfInfo info;
  TypeBuilder types(info.types);
  std::map<std::string, std::string> read_as;  // unit -> the DWARF unit read for it
  Dwarf_Off off = 0, next = 0;
  std::size_t header_size = 0;
  while (dwarf_nextcu(h.dwarf, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu;
    if (!dwarf_offdie(h.dwarf, off + header_size, &cu)) {
      return make_error(binary + ": bad DWARF unit at offset " + std::to_string(off));
    }
    off = next;
    const char* cu_name = dwarf_diename(&cu);
    if (!cu_name) continue;
    std::string name = unit_of(cu_name, units);
    if (!name.empty()) {
      auto [where, first] = read_as.emplace(name, cu_name);
      if (!first && where->second != cu_name)
        return make_error(binary + ": two units are named " + name + " (" + where->second + " and " + cu_name +
                          "): their types and functions cannot be told apart; rename one");
    }
    const char* producer = attr_string(&cu, DW_AT_producer);
    info.producers.emplace(name.empty() ? std::string(cu_name) : name, producer ? producer : "");
    if (name.empty()) continue;
    types.index_scopes(&cu, "");
    UnitWalker walker(info, types, name);
    walker.walk(&cu, nullptr);
  }
  return info;
}

}  // namespace hotswap::diff
