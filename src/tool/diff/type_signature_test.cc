#include "tool/diff/type_signature.h"

#include <gtest/gtest.h>

#include "tool/diff/cpp_render.h"

namespace hotswap::diff {
namespace {

struct Types {
  TypeTable t;
  int base(const std::string& name, std::uint64_t size) {
    TypeNode n;
    n.kind = TypeKind::kBase;
    n.name = name;
    n.size = size;
    return t.add(n);
  }
  int wrap(TypeKind kind, int target, std::uint64_t size = 8) {
    TypeNode n;
    n.kind = kind;
    n.target = target;
    n.size = size;
    return t.add(n);
  }
  int strukt(const std::string& name, std::uint64_t size, std::vector<TypeMember> members) {
    TypeNode n;
    n.kind = TypeKind::kStruct;
    n.keyword = "struct";
    n.name = name;
    n.size = size;
    n.members = std::move(members);
    return t.add(n);
  }
};

TypeMember member(const std::string& name, std::uint64_t offset, int type) {
  TypeMember m;
  m.name = name;
  m.offset = offset;
  m.type = type;
  return m;
}

TEST(TypeSignature, EqualLayoutsHaveEqualSignatures) {
  Types a, b;
  int ai = a.base("int", 4), bi = b.base("int", 4);
  b.base("unused", 1);  // ids differ between tables; signatures must not
  int sa = a.strukt("S", 8, {member("x", 0, ai), member("y", 4, ai)});
  int sb = b.strukt("S", 8, {member("x", 0, bi), member("y", 4, bi)});
  SignatureCache ca(a.t), cb(b.t);
  EXPECT_EQ(ca.signature(sa), cb.signature(sb));
}

TEST(TypeSignature, MemberNameOffsetTypeAndSizeMatter) {
  Types a;
  int i = a.base("int", 4), l = a.base("long", 8);
  SignatureCache c(a.t);
  std::string base = c.signature(a.strukt("S", 8, {member("x", 0, i), member("y", 4, i)}));
  EXPECT_NE(base, c.signature(a.strukt("S", 8, {member("x", 0, i), member("z", 4, i)})));
  EXPECT_NE(base, c.signature(a.strukt("S", 8, {member("y", 0, i), member("x", 4, i)})));
  EXPECT_NE(base, c.signature(a.strukt("S", 16, {member("x", 0, i), member("y", 8, l)})));
  EXPECT_NE(base, c.signature(a.strukt("S", 12, {member("x", 0, i), member("y", 4, i)})));
}

TEST(TypeSignature, PointerToNamedStructIsHashedByName) {
  Types a, b;
  int ai = a.base("int", 4), bi = b.base("int", 4), bl = b.base("long", 8);
  int inner_a = a.strukt("Inner", 4, {member("v", 0, ai)});
  int inner_b = b.strukt("Inner", 8, {member("v", 0, bl)});  // Inner changed
  int outer_a = a.strukt("Outer", 16, {member("p", 0, a.wrap(TypeKind::kPointer, inner_a)), member("n", 8, ai)});
  int outer_b = b.strukt("Outer", 16, {member("p", 0, b.wrap(TypeKind::kPointer, inner_b)), member("n", 8, bi)});
  SignatureCache ca(a.t), cb(b.t);
  EXPECT_NE(ca.signature(inner_a), cb.signature(inner_b));
  EXPECT_EQ(ca.signature(outer_a), cb.signature(outer_b));  // only Inner's own change
}

TEST(TypeSignature, EmbeddedStructChangePropagates) {
  Types a, b;
  int ai = a.base("int", 4), bl = b.base("long", 8);
  int outer_a = a.strukt("Outer", 4, {member("in", 0, a.strukt("Inner", 4, {member("v", 0, ai)}))});
  int outer_b = b.strukt("Outer", 8, {member("in", 0, b.strukt("Inner", 8, {member("v", 0, bl)}))});
  SignatureCache ca(a.t), cb(b.t);
  EXPECT_NE(ca.signature(outer_a), cb.signature(outer_b));
}

TEST(TypeSignature, SelfReferenceTerminates) {
  Types a;
  int node = a.strukt("Node", 16, {});
  int ptr = a.wrap(TypeKind::kPointer, node);
  a.t.nodes[static_cast<std::size_t>(node)].members = {member("next", 0, ptr), member("v", 8, a.base("int", 4))};
  SignatureCache c(a.t);
  EXPECT_NE(c.signature(node).find("next@0=P(struct Node)"), std::string::npos) << c.signature(node);
  // An anonymous self-referencing struct must terminate too.
  int anon = a.strukt("", 8, {});
  a.t.nodes[static_cast<std::size_t>(anon)].members = {member("self", 0, a.wrap(TypeKind::kPointer, anon))};
  EXPECT_FALSE(c.signature(anon).empty());
}

TEST(TypeSignature, TypedefsAreTransparent) {
  Types a;
  int i = a.base("int", 4);
  TypeNode td;
  td.kind = TypeKind::kTypedef;
  td.name = "count_t";
  td.target = i;
  int t = a.t.add(td);
  SignatureCache c(a.t);
  EXPECT_EQ(c.signature(t), c.signature(i));
}

TEST(TypeSignature, DescribesMemberChanges) {
  Types a, b;
  int ai = a.base("int", 4), bi = b.base("int", 4), bl = b.base("long", 8);
  int sa = a.strukt("S", 8, {member("id", 0, ai), member("hits", 4, ai)});
  int sb = b.strukt("S", 16, {member("id", 0, bl), member("hits", 8, bi), member("bytes", 12, bi)});
  auto d = describe_struct_change(a.t, sa, b.t, sb);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], "size 8 -> 16");
  EXPECT_EQ(d[1], "member `id` changed type int -> long");
  EXPECT_EQ(d[2], "member `hits` moved from offset 4 to 8");
  EXPECT_EQ(d[3], "member `bytes` added at offset 12");
}

// A member whose type prints the same in both releases says what changed: the type a
// typedef now names (httplib::Headers, another hasher), or the changed types it holds.
TEST(TypeSignature, AMemberThatPrintsAlikeNamesWhatChangedInside) {
  Types a, b;
  int ai = a.base("int", 4), bi = b.base("int", 4), bl = b.base("long", 8);
  int old_map = a.strukt("std::map<int, Ci>", 48, {member("_M_t", 0, ai)});
  int new_map = b.strukt("std::map<int, CaseIgnore>", 48, {member("_M_t", 0, bl)});
  TypeNode headers_a;
  headers_a.kind = TypeKind::kTypedef;
  headers_a.name = "Headers";
  headers_a.target = old_map;
  TypeNode headers_b = headers_a;
  headers_b.target = new_map;
  int ha = a.t.add(headers_a), hb = b.t.add(headers_b);
  int item_a = a.strukt("Item", 4, {member("n", 0, ai)});
  int item_b = b.strukt("Item", 8, {member("n", 0, bl)});
  int box_a = a.strukt("Box", 4, {member("item", 0, item_a)});
  int box_b = b.strukt("Box", 8, {member("item", 0, item_b)});
  int sa = a.strukt("S", 52, {member("headers", 0, ha), member("box", 48, box_a)});
  int sb = b.strukt("S", 56, {member("headers", 0, hb), member("box", 48, box_b)});
  auto d = describe_struct_change(a.t, sa, b.t, sb);
  ASSERT_EQ(d.size(), 3u) << ::testing::PrintToString(d);
  EXPECT_EQ(d[1], "member `headers` (Headers) changed type std::map<int, Ci> -> std::map<int, CaseIgnore>");
  EXPECT_EQ(d[2], "member `box` (Box) holds changed type Item, Box") << "innermost first";
  (void)bi;
}

TEST(CppRender, Declarators) {
  Types a;
  int c = a.base("char", 1), i = a.base("int", 4);
  int const_char = a.wrap(TypeKind::kConst, c, 1);
  EXPECT_EQ(spell_type(a.t, a.wrap(TypeKind::kPointer, const_char)), "const char*");
  TypeNode arr;
  arr.kind = TypeKind::kArray;
  arr.target = i;
  arr.dimensions = {4};
  int ia = a.t.add(arr);
  EXPECT_EQ(declare(a.t, ia, "counts"), "int counts[4]");
  TypeNode fn;
  fn.kind = TypeKind::kFunction;
  fn.target = -1;
  fn.parameters = {i};
  int f = a.t.add(fn);
  EXPECT_EQ(declare(a.t, a.wrap(TypeKind::kPointer, f), "on_close"), "void (*on_close)(int)");
  EXPECT_EQ(declare(a.t, a.wrap(TypeKind::kConst, a.wrap(TypeKind::kPointer, i)), "p"), "int* const p");
}

}  // namespace
}  // namespace hotswap::diff

namespace hotswap::diff {
namespace {

TEST(CppRender, CTypesAreSpelledAsCxx) {
  Types types;
  int flag = types.base("_Bool", 1);
  EXPECT_EQ(declare(types.t, flag, "ready"), "bool ready");
  EXPECT_EQ(spell_type(types.t, types.wrap(TypeKind::kPointer, flag)), "bool*");
}

TEST(PlainData, ScalarsAndTheirAggregatesButNotClassesWithVirtuals) {
  Types types;
  int i = types.base("int", 4);
  TypeNode array;
  array.kind = TypeKind::kArray;
  array.target = i;
  array.size = 16;
  array.dimensions = {4};
  int ints = types.t.add(array);
  int pod = types.strukt("Pod", 24, {member("a", 0, i), member("b", 8, ints)});
  EXPECT_TRUE(plain_data(types.t, pod));
  int vptr = types.wrap(TypeKind::kPointer, -1);
  int poly = types.strukt("Poly", 16, {member("_vptr.Poly", 0, vptr), member("a", 8, i)});
  EXPECT_FALSE(plain_data(types.t, poly));
  TypeNode incomplete;
  incomplete.kind = TypeKind::kStruct;
  incomplete.name = "Opaque";
  incomplete.declaration = true;
  EXPECT_FALSE(plain_data(types.t, types.t.add(incomplete)));
}

// After a failed migration, a new instance is destroyed only when that cannot release
// what the old objects still own: no program class on the way with a destructor of its own
// or virtual functions. Raw pointers are not followed: the program's own nothing its
// destructor releases, and what the library's own (a vector's buffer) its template
// arguments name.
TEST(DestroysOnlyWhatItMade, UserDestructorsAndVirtualFunctionsKeepTheInstance) {
  Types a;
  int i = a.base("int", 4);
  int plain = a.strukt("app::Item", 4, {member("n", 0, i)});
  int closes = a.strukt("app::Socket", 4, {member("fd", 0, i)});
  a.t.nodes[static_cast<std::size_t>(closes)].user_destructor = true;
  int shape = a.strukt("app::Shape", 8, {member("_vptr.Shape", 0, a.wrap(TypeKind::kPointer, -1))});
  auto library = [&](const std::string& name, std::vector<TypeMember> members, std::vector<int> arguments) {
    int id = a.strukt(name, 8, std::move(members));
    a.t.nodes[static_cast<std::size_t>(id)].template_arguments = std::move(arguments);
    return id;
  };
  auto owner_of = [&](int element) {
    int buffer = library("std::_Vector_base<T>::_Vector_impl", {member("_M_start", 0, a.wrap(TypeKind::kPointer, element))},
                         {element});
    return library("std::vector<T>", {member("_M_impl", 0, buffer)}, {element});
  };
  EXPECT_TRUE(destroys_only_what_it_made(a.t, a.strukt("app::Store", 12, {member("item", 0, plain),
                                                                           member("items", 4, owner_of(plain))})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::A", 4, {member("socket", 0, closes)})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::B", 8, {member("sockets", 0, owner_of(closes))})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::C", 8, {member("shapes", 0, owner_of(shape))})));
  // A raw pointer of the program's owns nothing its holder's destructor releases, held
  // alone or in a container.
  int socket_pointer = a.wrap(TypeKind::kPointer, closes);
  EXPECT_TRUE(destroys_only_what_it_made(a.t, a.strukt("app::D", 8, {member("peer", 0, socket_pointer)})));
  EXPECT_TRUE(destroys_only_what_it_made(a.t, a.strukt("app::G", 8, {member("peers", 0, owner_of(socket_pointer))})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, closes));
  // A node container or an optional reaches its elements through no member DWARF shows (a
  // base node pointer, a union of the library's): its template arguments name them, by
  // type, not by name. A class local to a function is `f()::Socket` in a GCC template
  // name and `Socket` in Clang's; neither is the name the reader gives it.
  int node = a.strukt("std::_Rb_tree_node_base", 8, {});
  int local = a.strukt("{local}::Socket", 4, {member("fd", 0, i)});
  a.t.nodes[static_cast<std::size_t>(local)].user_destructor = true;
  int map_of_sockets = library("std::map<int, app::Socket>", {member("_M_header", 0, node)}, {i, closes});
  int map_of_locals = library("std::map<int, Socket>", {member("_M_header", 0, node)}, {i, local});
  int optional_item = library("std::optional<app::Item>", {}, {plain});
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::E", 8, {member("by_fd", 0, map_of_sockets)})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::H", 8, {member("by_fd", 0, map_of_locals)})));
  EXPECT_TRUE(destroys_only_what_it_made(a.t, a.strukt("app::F", 8, {member("maybe", 0, optional_item)})));
  // A functor of the library's that DWARF only declares (Clang's unused std::hash<int>) holds
  // nothing of the program's; a program class only declared may.
  int hash = a.strukt("std::hash<int>", 1, {});
  a.t.nodes[static_cast<std::size_t>(hash)].declaration = true;
  int opaque = a.strukt("app::Opaque", 0, {});
  a.t.nodes[static_cast<std::size_t>(opaque)].declaration = true;
  int hashed = library("std::unordered_map<int, app::Item>", {member("_M_h", 0, node)}, {i, plain, hash});
  int opaque_map = library("std::unordered_map<int, app::Opaque>", {member("_M_h", 0, node)}, {i, opaque});
  EXPECT_TRUE(destroys_only_what_it_made(a.t, a.strukt("app::J", 8, {member("by_id", 0, hashed)})));
  EXPECT_FALSE(destroys_only_what_it_made(a.t, a.strukt("app::K", 8, {member("by_id", 0, opaque_map)})));
}

}  // namespace
}  // namespace hotswap::diff
