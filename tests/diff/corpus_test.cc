// The diff corpus: for each version pair of tiny programs, `hotswap diff` must find exactly
// the classification in corpus/<pair>/expected, and write a patch (or refuse) accordingly.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/elf_file.h"
#include "common/manifest.h"
#include "tool/build_record.h"
#include "tool/diff/diff_engine.h"
#include "tool/diff/patch_builder.h"
#include "tool/diff/report.h"
#include "tool/diff/transform_glue.h"
#include "tool/diff/transform_writer.h"
#include "tool/subprocess.h"

namespace hotswap::diff {
namespace {

namespace fs = std::filesystem;

// One build of a pair (corpus/<pair>/builds): its binaries are "-" when the build tree has
// no compiler for it.
struct Pair {
  std::string name, pair, old_binary, new_binary;
};

std::map<std::string, Pair> corpus() {
  std::map<std::string, Pair> out;
  std::ifstream in(HOTSWAP_DIFF_CORPUS_LIST);
  Pair p;
  while (in >> p.name >> p.pair >> p.old_binary >> p.new_binary) out[p.name] = p;
  return out;
}

struct Expectation {
  std::vector<std::string> lines;
  std::string refusal;  // substring of the refusal, "" if a patch must be written
};

Expectation expected(const std::string& pair) {
  Expectation e;
  std::ifstream in(std::string(HOTSWAP_DIFF_CORPUS) + "/" + pair + "/expected");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("refused: ", 0) == 0)
      e.refusal = line.substr(9);
    else if (!line.empty())
      e.lines.push_back(line);
  }
  std::sort(e.lines.begin(), e.lines.end());
  return e;
}

// A scratch directory per test, removed at the end.
class Scratch {
 public:
  Scratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : name)
      if (c == '/') c = '_';
    path_ = fs::temp_directory_path() / ("hotswap-diff-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

Expected<Manifest> read_manifest(const std::string& patch) {
  auto elf = ElfFile::open(patch);
  if (!elf) return elf.error();
  const ElfSection* s = elf->find_section(kManifestSection);
  if (!s) return make_error(patch + ": no manifest");
  return parse_manifest(
      std::string_view(reinterpret_cast<const char*>(s->bytes.data()), s->bytes.size()));
}

bool defines(const std::string& patch, const std::string& symbol) {
  auto elf = ElfFile::open(patch);
  if (!elf) return false;
  for (const ElfSymbol& s : elf->symbols())
    if (s.name == symbol && s.shndx != 0) return true;
  return false;
}

class CorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusTest, ClassifiesExactlyAsExpected) {
  auto pairs = corpus();
  ASSERT_TRUE(pairs.count(GetParam())) << "pair not built: " << GetParam();
  const Pair& pair = pairs[GetParam()];
  if (pair.old_binary == "-")
    GTEST_SKIP() << "no compiler for this build when the tree was configured";
  Expectation want = expected(pair.pair);
  Scratch scratch;

  auto result = compute_diff(pair.old_binary, pair.new_binary);
  if (!result) {
    ASSERT_FALSE(want.refusal.empty()) << result.error().message;
    EXPECT_NE(result.error().message.find(want.refusal), std::string::npos)
        << result.error().message;
    return;
  }
  EXPECT_EQ(classification_lines(*result), want.lines);

  auto patch = build_patch(*result, {scratch.file("p.hsp"), ""});
  if (!want.refusal.empty()) {
    ASSERT_FALSE(patch.ok()) << "expected a refusal: " << want.refusal;
    EXPECT_NE(patch.error().message.find(want.refusal), std::string::npos) << patch.error().message;
    return;
  }
  ASSERT_TRUE(patch.ok()) << patch.error().message;
  auto manifest = read_manifest(scratch.file("p.hsp"));
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  EXPECT_EQ(manifest->base, result->old_release->binary->build_id());
  EXPECT_EQ(manifest->target, result->new_release->binary->build_id());
  std::size_t expected_functions = 0;
  for (const auto& c : result->functions) expected_functions += c.kind != ChangeKind::kRemoved;
  EXPECT_EQ(manifest->functions.size(), expected_functions);
  for (const auto& f : manifest->functions) {
    EXPECT_FALSE(f.new_hash.empty()) << f.symbol.display();
    if (f.kind == ManifestFunction::Kind::kChanged) {
      EXPECT_GT(f.old_size, 0u) << f.symbol.display();
    }
    EXPECT_TRUE(defines(scratch.file("p.hsp"), f.symbol.name)) << f.symbol.display();
  }
}

// Every build of every pair (a pair without a `builds` file is one build of its name).
std::vector<std::string> build_names() {
  std::vector<std::string> names;
  for (const auto& [name, pair] : corpus()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Pairs, CorpusTest, ::testing::ValuesIn(build_names()),
                         [](const auto& info) { return info.param; });

// The transform.cpp written on refusal compiles as is, and with --transform the patch is
// made and carries the transformers and stubs the manifest names.
// The transform.cpp diff writes for a release that needs one (it refuses the patch), as text.
std::string generated_transform(const DiffResult& result, const Scratch& scratch) {
  if (build_patch(result, {scratch.file("p.hsp"), ""}).ok()) return "";
  std::ifstream generated(scratch.file("transform.cpp"));
  return std::string((std::istreambuf_iterator<char>(generated)), std::istreambuf_iterator<char>());
}

// The patch built with the generated file `text` edited: `inserted` placed before its
// transformers (where a hand-written hash or comparison of an old key goes).
Expected<PatchOutcome> build_edited(const DiffResult& result, const Scratch& scratch, std::string text,
                                    const std::string& inserted, const std::string& name) {
  std::size_t overloads = text.find("// Transformers:");
  EXPECT_NE(overloads, std::string::npos) << text;
  if (overloads != std::string::npos) text.insert(overloads, inserted);
  std::string path = scratch.file(name);
  std::ofstream(path) << text;
  return build_patch(result, {scratch.file("p.hsp"), path});
}

class TransformTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TransformTest, GeneratedTransformCompilesIntoThePatch) {
  auto pairs = corpus();
  const Pair& pair = pairs[GetParam()];
  Scratch scratch;
  auto result = compute_diff(pair.old_binary, pair.new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto refused = build_patch(*result, {scratch.file("p.hsp"), ""});
  ASSERT_FALSE(refused.ok());
  ASSERT_TRUE(fs::exists(scratch.file("transform.cpp"))) << refused.error().message;

  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("transform.cpp")});
  ASSERT_TRUE(patch.ok()) << patch.error().message;
  auto manifest = read_manifest(scratch.file("p.hsp"));
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  EXPECT_EQ(manifest->migrations.size() + manifest->stubs.size() > 0, true);
  for (const auto& m : manifest->migrations) {
    EXPECT_TRUE(defines(scratch.file("p.hsp"), m.transformer)) << m.transformer;
    EXPECT_TRUE(defines(scratch.file("p.hsp"), m.discard)) << m.discard;
    EXPECT_FALSE(m.inverse.empty()) << "the generated file has both directions: " << m.symbol.display();
  }
  for (const auto& s : manifest->stubs) {
    EXPECT_EQ(s.stub, stub_symbol(s.function));
    EXPECT_TRUE(defines(scratch.file("p.hsp"), s.stub)) << s.function.display();
  }
}

INSTANTIATE_TEST_SUITE_P(Pairs, TransformTest,
                         ::testing::Values("struct_layout", "global_type", "signature", "heap_type", "typedef_struct",
                                           "c_server", "polymorphic_type", "polymorphic_hierarchy", "nested_class",
                                           "template_class", "variant_type", "template_values_GNU_O2",
                                           "template_values_Clang_O2", "vtable_member",
                                           "template_type_arguments_GNU_O2", "template_type_arguments_Clang_O2",
                                           "typedef_retargeted", "template_holds_changed", "pointer_to_member",
                                           "template_storage_bytes", "hashed_key",
                                           "member_function_into_changed", "function_entry_retyped",
                                           "reset_shapes"),
                         [](const auto& info) { return info.param; });

// The standard library's implementation types a changed class reaches (a variant's storage
// layers) are counted in the report, not listed; the JSON report lists them all.
TEST(DiffReport, TheLibrarysOwnTypesAreCountedNotListed) {
  auto pairs = corpus();
  auto result = compute_diff(pairs["variant_type"].old_binary, pairs["variant_type"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  Manifest manifest;
  std::string text = text_report(*result, manifest, {});
  EXPECT_NE(text.find("  Session: size"), std::string::npos) << text;
  EXPECT_NE(text.find("  std::variant<int, Session>: size"), std::string::npos) << text;
  EXPECT_EQ(text.find("  std::__detail::"), std::string::npos) << text;
  EXPECT_EQ(text.find("  __gnu_cxx::"), std::string::npos) << text;
  EXPECT_NE(text.find(" types of the standard library's implementation that hold them"), std::string::npos) << text;
  std::string json = json_report(*result, manifest, {});
  EXPECT_NE(json.find("std::__detail::__variant::_Variadic_union<Session>"), std::string::npos);
}

// A hash the transform file writes for an old key (so that a revert can place keys) decides
// whether the file's nodes keep their hash code: declared noexcept where the old release's
// hash may throw, the file's nodes would lack the code the running code reads after each
// value. Refused, naming the table; the same hash without noexcept builds.
TEST(DiffRefusals, AHashForAnOldKeyMustThrowWhereTheOldOneMay) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["hashed_key"].old_binary, pairs["hashed_key"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  auto with_hash = [&](const std::string& qualifier) {
    return build_edited(*result, scratch, text,
                        "template <> struct std::hash<hotswap_old::app::Key> {\n"
                        "  std::size_t operator()(const hotswap_old::app::Key& k) const " + qualifier +
                            " { return static_cast<std::size_t>(k.id); }\n};\n"
                            "namespace hotswap_old::app {\n"
                            "inline bool operator==(const Key& a, const Key& b) { return a.id == b.id; }\n}\n",
                        "hash" + std::to_string(qualifier.size()) + ".cpp");
  };
  auto refused = with_hash("noexcept");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("keeps its nodes' hash codes otherwise"), std::string::npos)
      << refused.error().message;
  auto built = with_hash("");
  EXPECT_TRUE(built.ok()) << built.error().message;
}

// A hasher of the program's own (a template that calls the key's hash_value) becomes
// callable for the old key once the file declares a hash_value for it: noexcept where the
// program's may throw, the file's nodes would lack their hash code. Refused; without the
// file's hash_value the hasher cannot be called for the old key (its nodes would keep a
// code, but none is built), and the unedited file builds.
TEST(DiffRefusals, AHasherOfTheProgramsCallableForAnOldKeyMustThrowWhereTheOldOneMay) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["hashed_key_custom"].old_binary, pairs["hashed_key_custom"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  auto unedited = build_edited(*result, scratch, text, "", "unedited.cpp");
  EXPECT_TRUE(unedited.ok()) << unedited.error().message;
  auto with_hash_value = [&](const std::string& qualifier) {
    return build_edited(*result, scratch, text,
                        "namespace hotswap_old::app {\n"
                        "inline std::size_t hash_value(const Key& k) " + qualifier +
                            " { return static_cast<std::size_t>(k.id); }\n"
                            "inline bool operator==(const Key& a, const Key& b) { return a.id == b.id; }\n}\n",
                        "hash" + std::to_string(qualifier.size()) + ".cpp");
  };
  auto refused = with_hash_value("noexcept");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("keeps its nodes' hash codes otherwise"), std::string::npos)
      << refused.error().message;
  auto built = with_hash_value("");
  EXPECT_TRUE(built.ok()) << built.error().message;
}

// A function's entry retyped otherwise than through the changed class it names (int ->
// double, also inside a container) is a TODO in the generated transformer, both ways; one
// that names the changed class, or changed only in a qualifier, is carried.
TEST(DiffTransform, AFunctionEntryRetypedIsNotCarried) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["function_entry_retyped"].old_binary, pairs["function_entry_retyped"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  auto count = [&text](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("return hotswap::refuse(\"TODO: carry app::Route::call by hand\");"), 2u) << text;
  EXPECT_EQ(count("return hotswap::refuse(\"TODO: carry app::Route::scale by hand\");"), 2u) << text;
  EXPECT_EQ(count("return hotswap::refuse(\"TODO: carry app::Route::list by hand\");"), 2u) << text;
  EXPECT_EQ(count("hotswap::transform(from.look, to.look)"), 2u) << "made const, called alike: " << text;
  EXPECT_EQ(count("hotswap::transform(from.peer, to.peer)"), 2u) << text;
  EXPECT_EQ(count("hotswap::transform(from.counter, to.counter)"), 2u) << text;
  EXPECT_EQ(count("hotswap::transform(from.table, to.table)"), 2u) << "an array that grew: " << text;
  EXPECT_EQ(count("hotswap::transform(from.by_id, to.by_id)"), 2u) << "a map whose key changed: " << text;
}

// Classes without a default constructor in the transform unit (an old layout holding a map
// keyed by an old layout, through a base, a nested class or a template instance; a class
// with a reference member) get overloads that empty them, or give them up, member by member
// and base by base; a reference member is neither reset nor assigned through.
TEST(DiffTransform, ClassesWithoutADefaultConstructorAreEmptiedMemberByMember) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["reset_shapes"].old_binary, pairs["reset_shapes"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  for (const char* expected :
       {"inline void hotswap_reset(hotswap_old::app::Derived& x) {\n"
        "  hotswap::reset_member(static_cast<::hotswap_old::app::Base&>(x));\n",
        "inline void hotswap_reset(hotswap_old::app::Outer::Inner& x) {",
        "inline void hotswap_reset(hotswap_old::app::Box<::app::Sku>& x) {",
        "inline void hotswap_reset(hotswap_old::app::Holder& x) {\n  hotswap::reset_member(x.fixed);\n"
        "  // total: a reference, it owns nothing\n",
        "inline void hotswap_abandon(app::Wired& x) {", "inline void hotswap_reset(app::Wired& x) {",
        "inline hotswap_old::app::Derived* hotswap_keyed_by_old_layout(hotswap_old::app::Derived* x) { return x; }",
        "  // total: a reference, bound where `to` was built; not carried\n",
        // Tail is not a POD: Tailed's `extra` lies in its tail padding.
        "inline void hotswap_reset(app::Tailed& x) {\n"
        "  // app::Tail: emptied member by member (building it anew would write over the members in its tail "
        "padding)\n"
        "  hotswap::reset_member(static_cast<app::Tail&>(x).id);\n"
        "  hotswap::reset_member(static_cast<app::Tail&>(x).tag);\n"
        "  hotswap::reset_member(x.extra);\n"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  EXPECT_EQ(text.find("transform(from.total"), std::string::npos) << text;
}

// The other way round: the program's hash is noexcept, so its nodes keep no hash code. A
// hash in the file that may throw would build longer nodes that the running code frees at
// its own size: refused. The unedited file (no hash: the library's disabled one, which
// builds no node) builds, as does a noexcept hash.
TEST(DiffRefusals, AHashForAnOldKeyMustBeNoexceptWhereTheOldOneIs) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["hashed_key_noexcept"].old_binary, pairs["hashed_key_noexcept"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  auto unedited = build_edited(*result, scratch, text, "", "unedited.cpp");
  EXPECT_TRUE(unedited.ok()) << unedited.error().message;
  auto with_hash = [&](const std::string& qualifier) {
    return build_edited(*result, scratch, text,
                        "template <> struct std::hash<hotswap_old::app::Key> {\n"
                        "  std::size_t operator()(const hotswap_old::app::Key& k) const " + qualifier +
                            " { return static_cast<std::size_t>(k.id); }\n};\n",
                        "hash" + std::to_string(qualifier.size()) + ".cpp");
  };
  auto refused = with_hash("");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("keeps its nodes' hash codes otherwise"), std::string::npos)
      << refused.error().message;
  auto built = with_hash("noexcept");
  EXPECT_TRUE(built.ok()) << built.error().message;
}

// A class template's instance that keeps its argument as bytes (a pool's aligned storage):
// the generated transformers refuse that member until written by hand, both ways, rather
// than copy old-layout objects as bytes; its other members are carried.
TEST(DiffTransform, BytesAnInstanceKeepsForAChangedArgumentAreNotCopied) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["template_storage_bytes"].old_binary, pairs["template_storage_bytes"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  std::string todo = "return hotswap::refuse(\"TODO: carry app::Pool<app::Item, 4>::storage by hand\");";
  std::size_t first = text.find(todo);
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_NE(text.find(todo, first + 1), std::string::npos) << "the inverse too: " << text;
  EXPECT_EQ(text.find("hotswap::transform(from.storage"), std::string::npos) << text;
  EXPECT_NE(text.find("TODO: carry app::Pool<app::Item, 4>::spare by hand"), std::string::npos)
      << "std::aligned_storage is bytes too: " << text;
  EXPECT_NE(text.find("TODO: carry app::Pool<app::Item, 4>::raw by hand"), std::string::npos)
      << "chars with an alignas are storage: " << text;
  EXPECT_NE(text.find("TODO: carry app::Pool<app::Item, 4>::slab by hand"), std::string::npos)
      << "unaligned bytes, a whole number of Items: " << text;
  EXPECT_NE(text.find("hotswap::transform(from.digest, to.digest)"), std::string::npos)
      << "20 bytes are no whole number of 16-byte Items: a value: " << text;
  EXPECT_NE(text.find("hotswap::transform(from.tag, to.tag)"), std::string::npos) << "characters are not storage";
  EXPECT_NE(text.find("hotswap::transform(from.used, to.used)"), std::string::npos) << text;
}

TEST(DiffRefusals, TransformThatLacksATransformerIsRefused) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["struct_layout"].old_binary, pairs["struct_layout"].new_binary);
  ASSERT_TRUE(result.ok());
  std::ofstream(scratch.file("empty.cpp")) << "int unrelated_symbol = 1;\n";
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("empty.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("does not compile"), std::string::npos) << patch.error().message;

  // The layouts declared, but no transformer: the unit says which datum it cannot migrate.
  std::string text = generated_transform(*result, scratch);
  std::size_t overloads = text.find("// Transformers:");
  ASSERT_NE(overloads, std::string::npos) << text;
  std::ofstream(scratch.file("layouts_only.cpp")) << text.substr(0, overloads);
  patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("layouts_only.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("does not compile"), std::string::npos) << patch.error().message;
}

// An old layout that names a new type where the old release had a changed one (here a
// pointer to the new THREAD instead of hotswap_old's) has the right sizes and offsets, but
// would read old objects as new ones: refused, naming the member.
TEST(DiffRefusals, AnOldLayoutNamingANewTypeIsRefused) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["typedef_struct"].old_binary, pairs["typedef_struct"].new_binary);
  ASSERT_TRUE(result.ok());
  std::string text = generated_transform(*result, scratch);
  std::string old_member = "::hotswap_old::THREAD* thread;";
  std::size_t at = text.find(old_member);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, old_member.size(), "::THREAD* thread;");
  std::ofstream(scratch.file("new_type.cpp")) << text;
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("new_type.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("member `thread` is declared THREAD*, which should be hotswap_old::THREAD*"),
            std::string::npos)
      << patch.error().message;
}

// A changed class no C++ can name (in an anonymous namespace), held through a typedef: the
// generated old layout carries it as bytes and its transformer refuses until written by
// hand (the typedef names the new class). A layout that spells the member by the typedef
// is refused, naming the member, although the sizes agree.
TEST(DiffRefusals, AnUnnameableChangedTypeBehindATypedefIsRefused) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["anonymous_typedef"].old_binary, pairs["anonymous_typedef"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string text = generated_transform(*result, scratch);
  std::string bytes = "alignas(4) unsigned char impl[8];";
  std::size_t at = text.find(bytes);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_NE(text.find("return hotswap::refuse(\"TODO: carry Holder::impl by hand\");"), std::string::npos) << text;
  text.replace(at, bytes.size(), "::ImplAlias impl;");
  std::ofstream(scratch.file("typedef.cpp")) << text;
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("typedef.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("member `impl` holds (anonymous namespace)::Impl, a changed type the transform "
                                       "file does not declare"),
            std::string::npos)
      << patch.error().message;
}

// GCC names app::Pick<5> and app::Pick<5L> alike: v1 holds the one, v2 the other. The
// transform file's app::Pick<5> is the int one, not the new release's: refused, never
// written through the wrong layout.
TEST(DiffRefusals, ANameTheReleasesGiveToTwoTypesIsRefused) {
  auto pairs = corpus();
  if (!pairs.count("template_release_ambiguous_GNU_O2")) GTEST_SKIP() << "built by GCC only";
  const Pair& pair = pairs["template_release_ambiguous_GNU_O2"];
  if (pair.old_binary == "-") GTEST_SKIP() << "no GCC when the tree was configured";
  Scratch scratch;
  auto result = compute_diff(pair.old_binary, pair.new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_FALSE(generated_transform(*result, scratch).empty());
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("transform.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("the app::Pick<5> the transform file sees is not the new release's: size 8, not 16"),
            std::string::npos)
      << patch.error().message;
}

// What a failed migration built is destroyed, unless a class it holds has a destructor the
// program wrote (Socket closes a descriptor the old connection still has) or virtual
// functions; a destructor defaulted in its class is not the program's own.
TEST(DiffGlue, AFailedMigrationDestroysWhatNoDestructorOfTheProgramCouldRelease) {
  auto pairs = corpus();
  auto discard_of = [](const Glue& glue, const std::string& datum, int patched) {
    std::size_t at = glue.source.find("hotswap_discard_data_" + datum + "(");
    if (at == std::string::npos) return std::string("no discard entry");
    std::string key = "if (patched == " + std::to_string(patched) + ")\n    return hotswap::migration_detail::";
    std::size_t call = glue.source.find(key, at);
    if (call == std::string::npos) return std::string("no case ") + std::to_string(patched);
    call += key.size();
    return glue.source.substr(call, glue.source.find('<', call) - call);
  };
  auto result = compute_diff(pairs["user_destructor"].old_binary, pairs["user_destructor"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto glue = make_glue(*result, "transform.cpp");
  ASSERT_TRUE(glue.ok()) << glue.error().message;
  EXPECT_EQ(discard_of(*glue, "g_conn", 2), "abandon_root");
  EXPECT_EQ(discard_of(*glue, "g_conn", 4), "abandon_root");
  EXPECT_EQ(discard_of(*glue, "g_queue", 2), "discard_root");
  EXPECT_EQ(discard_of(*glue, "g_queue", 4), "discard_root");
  EXPECT_EQ(discard_of(*glue, "g_by_fd", 2), "abandon_root") << "a map's nodes hold Sockets";
  EXPECT_EQ(discard_of(*glue, "g_spare", 2), "abandon_root") << "an optional's union holds a Socket";

  result = compute_diff(pairs["polymorphic_type"].old_binary, pairs["polymorphic_type"].new_binary);
  ASSERT_TRUE(result.ok()) << result.error().message;
  glue = make_glue(*result, "transform.cpp");
  ASSERT_TRUE(glue.ok()) << glue.error().message;
  EXPECT_EQ(glue->source.find("discard_root<hotswap_new_type_0>(object);\n  if (patched == 4)"), std::string::npos)
      << "objects with virtual functions are abandoned";
  EXPECT_NE(glue->source.find("abandon_root<hotswap_new_type_0>"), std::string::npos) << glue->source;
}

// A hand-written old layout that does not match the old release's DWARF is refused, naming
// the member, before any transformer could read old bytes through it.
TEST(DiffRefusals, AWrongHandWrittenOldLayoutIsRefusedNamingTheMember) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["struct_layout"].old_binary, pairs["struct_layout"].new_binary);
  ASSERT_TRUE(result.ok());
  std::string text = generated_transform(*result, scratch);
  ASSERT_TRUE(build_patch(*result, {scratch.file("p.hsp"), scratch.file("transform.cpp")}).ok());
  // Swap the old layout's two int members' names: same size, wrong offsets.
  std::size_t layout = text.find("namespace hotswap_old {\nstruct Session");
  ASSERT_NE(layout, std::string::npos) << text;
  std::size_t a = text.find("  int id;", layout), b = text.find("  int hits;", layout);
  ASSERT_NE(a, std::string::npos) << text;
  ASSERT_NE(b, std::string::npos) << text;
  text.replace(b, 11, "  int id;  ");
  text.replace(a, 9, "  int hits;");
  std::ofstream(scratch.file("wrong.cpp")) << text;
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("wrong.cpp")});
  ASSERT_FALSE(patch.ok());
  EXPECT_NE(patch.error().message.find("hotswap_old::Session differs from the old release's Session: member `"),
            std::string::npos)
      << patch.error().message;
}

// A hand-written file that makes an old layout an alias of the new class (or of anything)
// would have the transformer read old objects through it: refused, naming the alias.
TEST(DiffRefusals, AnOldLayoutThatIsAnAliasIsRefused) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["struct_layout"].old_binary, pairs["struct_layout"].new_binary);
  ASSERT_TRUE(result.ok());
  std::string text = generated_transform(*result, scratch);
  std::size_t begin = text.find("namespace hotswap_old { struct Session; }");
  std::size_t end = text.find("// Transformers:");
  std::size_t inverse = text.find("// Session, back to the old layout (revert).");
  ASSERT_TRUE(begin != std::string::npos && end != std::string::npos && inverse != std::string::npos) << text;
  text = text.substr(0, begin) + "namespace hotswap_old {\nusing Session = ::Session;\n}\n\n" +
         text.substr(end, inverse - end);
  std::ofstream(scratch.file("alias.cpp")) << text;
  // The glue stops it first, where the alias is a migrated datum's type; the layout check
  // where it is only a member's.
  ::testing::internal::CaptureStderr();
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("alias.cpp")});
  std::string compiler = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(patch.ok());
  std::string said = patch.error().message + compiler;
  EXPECT_TRUE(said.find("hotswap_old::Session is an alias of Session, not a layout") != std::string::npos ||
              said.find("the old type of g_session is the new one") != std::string::npos)
      << said;
}

// A using-declaration in hotswap_old is no typedef: DWARF shows nothing the layout check
// could refuse, and the old datum would be read through the new class. The glue refuses it.
TEST(DiffRefusals, AnOldLayoutThatIsAUsingDeclarationIsRefused) {
  auto pairs = corpus();
  Scratch scratch;
  auto result = compute_diff(pairs["struct_layout"].old_binary, pairs["struct_layout"].new_binary);
  ASSERT_TRUE(result.ok());
  std::string text = generated_transform(*result, scratch);
  std::size_t begin = text.find("namespace hotswap_old { struct Session; }");
  std::size_t end = text.find("// Transformers:");
  std::size_t inverse = text.find("// Session, back to the old layout (revert).");
  ASSERT_TRUE(begin != std::string::npos && end != std::string::npos && inverse != std::string::npos) << text;
  text = text.substr(0, begin) + "namespace hotswap_old {\nusing ::Session;\n}\n\n" + text.substr(end, inverse - end);
  std::ofstream(scratch.file("using.cpp")) << text;
  ::testing::internal::CaptureStderr();
  auto patch = build_patch(*result, {scratch.file("p.hsp"), scratch.file("using.cpp")});
  std::string compiler = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(patch.ok());
  EXPECT_NE((patch.error().message + compiler).find("is the new one: nothing in hotswap_old is a layout of its own"),
            std::string::npos)
      << patch.error().message << compiler;
}

// Copies a release's binary and build record, letting the test edit the record.
std::string copy_release(const Scratch& scratch, const std::string& binary, const std::string& name,
                         const std::function<void(BuildRecord&)>& edit) {
  std::string copy = scratch.file(name);
  fs::copy_file(binary, copy, fs::copy_options::overwrite_existing);
  auto record = read_build_record(binary);
  EXPECT_TRUE(record.ok());
  edit(*record);
  EXPECT_TRUE(write_build_record(*record, build_record_path(copy)).ok());
  return copy;
}

TEST(DiffRefusals, DifferentCompilersAreNamed) {
  auto pairs = corpus();
  Scratch scratch;
  std::string other = copy_release(scratch, pairs["body_change"].new_binary, "prog",
                                   [](BuildRecord& r) { r.compiler = "Clang 14.0.6"; });
  auto result = compute_diff(pairs["body_change"].old_binary, other);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("different compilers"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("Clang 14.0.6"), std::string::npos)
      << result.error().message;
}

TEST(DiffRefusals, DifferentRecordedFlagsAreNamed) {
  auto pairs = corpus();
  Scratch scratch;
  std::string other = copy_release(scratch, pairs["body_change"].new_binary, "prog",
                                   [](BuildRecord& r) { r.flags += " -O3"; });
  auto result = compute_diff(pairs["body_change"].old_binary, other);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("different flags"), std::string::npos)
      << result.error().message;
}

TEST(DiffRefusals, MissingObjectIsNamed) {
  auto pairs = corpus();
  Scratch scratch;
  std::string other =
      copy_release(scratch, pairs["body_change"].new_binary, "prog",
                   [&](BuildRecord& r) { r.objects.front().path = scratch.file("gone.o"); });
  auto result = compute_diff(pairs["body_change"].old_binary, other);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("missing or unreadable"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("gone.o"), std::string::npos) << result.error().message;
}

TEST(DiffRefusals, MissingBuildRecordIsNamed) {
  auto pairs = corpus();
  Scratch scratch;
  fs::copy_file(pairs["body_change"].new_binary, scratch.file("bare"));
  auto result = compute_diff(pairs["body_change"].old_binary, scratch.file("bare"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("no build record"), std::string::npos)
      << result.error().message;
}

int run(const std::string& command, std::string* output) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DiffCommand, ExitCodesAndJson) {
  auto pairs = corpus();
  Scratch scratch;
  std::string tool = HOTSWAP_TOOL, out;
  EXPECT_EQ(run(tool + " diff 2>/dev/null", &out), 2);
  out.clear();
  EXPECT_EQ(run(tool + " diff " + pairs["body_change"].old_binary + " " +
                    pairs["body_change"].new_binary + " -o " + scratch.file("p.hsp") + " --json",
                &out),
            0);
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_EQ(j["functions"].size(), 1u) << out;
  EXPECT_EQ(j["functions"][0]["name"], "_Z7computei");
  EXPECT_EQ(j["functions"][0]["kind"], "changed");
  out.clear();
  EXPECT_EQ(run(tool + " diff " + pairs["signature"].old_binary + " " +
                    pairs["signature"].new_binary + " -o " + scratch.file("q.hsp") + " 2>&1",
                &out),
            1);
  EXPECT_NE(out.find("signature change without a stub"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run(tool + " diff " + scratch.file("nothing") + " " + pairs["signature"].new_binary +
                    " -o " + scratch.file("r.hsp") + " 2>&1",
                &out),
            1);
}

}  // namespace
}  // namespace hotswap::diff
