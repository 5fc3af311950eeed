#include "tool/diff/patch_builder.h"

#include <elf.h>

#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <set>

#include "common/hash.h"
#include "tool/code_hash.h"
#include "common/symbol_index.h"
#include "tool/diff/layout_check.h"
#include "tool/diff/transform_glue.h"
#include "tool/diff/transform_spelling.h"
#include "tool/diff/transform_writer.h"
#include "tool/patch_writer.h"
#include "tool/subprocess.h"
#include "arch/x86_64/redirect.h"

namespace hotswap::diff {
namespace {

// What the transform file must provide, for the refusal without it.
struct Requirements {
  std::vector<std::string> stubs;
  std::vector<std::string> why;  // one line per requirement
  bool transform = false;
};

Requirements requirements_of(const DiffResult& r) {
  Requirements q;
  for (const DataTypeChange* d : migrated_data(r)) {
    q.transform = true;
    q.why.push_back(demangle(d->symbol.display()) + (d->reaches.empty() ? " changed type (" + d->old_type + " -> " + d->new_type + ")"
                                                              : " reaches a changed type (" + d->reaches + ")") +
                    ": its state moves through the transform file");
  }
  for (const SignatureChange& s : r.types.signatures) {
    q.transform = true;
    q.stubs.push_back(stub_symbol(s.old_symbol));
    q.why.push_back("signature of " + s.old_signature + " changed to " + s.new_signature + ": needs the stub " +
                    stub_symbol(s.old_symbol));
  }
  return q;
}

std::string compiler_for(const std::string& record_compiler) {
  if (record_compiler.rfind("Clang", 0) == 0) return "clang++";
  if (record_compiler.rfind("GNU", 0) == 0) return "g++";
  return "c++";
}

// Where a generated transform.cpp goes: next to the patch, never over a file the user may
// have edited.
std::string transform_destination(const std::string& output) {
  std::filesystem::path dir = std::filesystem::path(output).parent_path();
  std::filesystem::path path = dir / "transform.cpp";
  if (std::filesystem::exists(path)) path = dir / "transform.new.cpp";
  return path.string();
}

// The directory holding <hotswap/transform.h>: $HOTSWAP_INCLUDE_DIR, else next to the tool
// (PREFIX/bin/hotswap -> PREFIX/include), else where it was installed or built from.
std::string hotswap_include_dir() {
  auto has_helpers = [](const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::exists(dir / "hotswap" / "transform.h", ec);
  };
  if (const char* env = std::getenv("HOTSWAP_INCLUDE_DIR"); env && *env) return env;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && has_helpers(self.parent_path().parent_path() / "include"))
    return (self.parent_path().parent_path() / "include").string();
  if (has_helpers(HOTSWAP_INSTALL_INCLUDE_DIR)) return HOTSWAP_INSTALL_INCLUDE_DIR;
  return HOTSWAP_SOURCE_INCLUDE_DIR;
}

// What `hotswap_old` is called in this patch's code. The old layouts, and every
// instantiation over them (a vector's code, a shared_ptr's control block and its vtable,
// typeinfo), must be this patch's own: a patch applied on top of another carries layouts
// of the same names but of other releases, and the runtime binds same-named code and type
// identity to what the running program (with the earlier patch) already has. So the
// namespace is renamed per release pair; the file still says `hotswap_old`.
std::string old_namespace_of(const DiffResult& r) {
  return std::string(kOldNamespace) + "_" + r.old_release->record.build_id.substr(0, 8) +
         r.new_release->record.build_id.substr(0, 8);
}

// The transform unit is compiled as the new release's headers need: its include
// directories, its definitions, its source root (headers named relative to it); and without
// access control, so that transformers reach private members; and without sized
// deallocation: a hash table's nodes may be 8 bytes longer here than in the old release
// (their hash code, kept for a hash the file lacks or may throw), and the old nodes the unit
// frees must not be freed as nodes of its size.
std::vector<std::string> transform_compile_command(const DiffResult& r, const std::string& source,
                                                   const std::string& object) {
  const BuildRecord& record = r.new_release->record;
  std::vector<std::string> argv{compiler_for(record.compiler), "-std=c++20", "-O2", "-g", "-fPIC",
                                "-ffunction-sections", "-fdata-sections", "-fno-access-control",
                                "-fno-sized-deallocation", "-I" + hotswap_include_dir()};
  if (!record.source_root.empty()) argv.push_back("-I" + record.source_root);
  for (const std::string& dir : record.include_dirs) argv.push_back("-I" + dir);
  for (const std::string& d : record.defines) argv.push_back("-D" + d);
  argv.push_back("-D" + std::string(kOldNamespace) + "=" + old_namespace_of(r));
  argv.insert(argv.end(), {"-c", source, "-o", object});
  return argv;
}

// The global symbols the compiled transform unit defines.
Expected<std::set<std::string>> defined_symbols(const ElfFile& elf) {
  std::set<std::string> defined;
  for (const ElfSymbol& s : elf.symbols())
    if (s.shndx != 0 && s.bind != 0) defined.insert(s.name);
  return defined;
}

Status check_stubs(const std::set<std::string>& defined, const std::string& source, const Requirements& q) {
  std::string missing;
  for (const auto& s : q.stubs)
    if (!defined.count(s)) missing += "\n  stub " + s;
  if (!missing.empty()) return make_error(source + " does not define (as extern \"C\"):" + missing);
  return Status::success();
}

// The value of a `const bool` the unit defines (whether a datum has an inverse).
bool defined_true(const ElfFile& elf, const std::string& name) {
  for (const ElfSymbol& s : elf.symbols())
    if (s.name == name && s.shndx != 0) {
      auto bytes = elf.symbol_bytes(s);
      return !bytes.empty() && bytes[0] != 0;
    }
  return false;
}

// What the compiled transform unit gives the manifest.
struct CompiledTransform {
  std::string object;
  std::set<std::string> defined;
  std::set<std::string> inverses;                 // datum transformers that have an inverse
  std::vector<SymbolRef> functions;               // every function it defines
  std::vector<GlueRoot> roots;
};

Expected<CompiledTransform> compile_transform(const DiffResult& r, const std::string& file, const std::string& output,
                                              const Requirements& q, std::vector<std::string>& temporaries) {
  auto glue = make_glue(r, file);
  if (!glue) return glue.error();
  CompiledTransform out;
  out.roots = glue->roots;
  // Named for the release pair: the unit's file statics and internal functions are known
  // by file and name, and must not meet an earlier patch's of the same name. And for the
  // output: two diffs of one pair into one directory must not write the same file.
  std::string source = output + ".transform-" + old_namespace_of(r).substr(std::string(kOldNamespace).size() + 1) +
                       ".cpp";
  out.object = output + ".transform.o";
  std::string check = output + ".transform-check.so";
  temporaries.insert(temporaries.end(), {source, out.object, check});
  std::ofstream(source) << glue->source;
  if (Status compiled = run_program(transform_compile_command(r, source, out.object)); !compiled)
    return make_error("--transform " + file + " does not compile (the compiler said why, above): " + compiled.message());
  // The layouts it declares, read from its DWARF once linked (an object's DWARF is not yet
  // relocated), against the old release's.
  if (Status linked = run_program({compiler_for(r.new_release->record.compiler), "-shared", "-o", check, out.object});
      !linked)
    return make_error("--transform " + file + ": its unit cannot be linked for checking: " + linked.message());
  auto checked = read_dwarf(check, {source, std::filesystem::absolute(source).string()});
  if (!checked) return checked.error();
  rename_namespace(*checked, old_namespace_of(r), kOldNamespace);  // as the file spells them
  std::set<std::string> declared = declared_types(r);
  HOTSWAP_TRY(check_old_layouts(*checked, r.old_release->dwarf, declared, undeclared_types(r), file));
  HOTSWAP_TRY(check_new_layouts(*checked, r.new_release->dwarf, declared, file));
  auto elf = ElfFile::open(out.object);
  if (!elf) return elf.error();
  auto defined = defined_symbols(*elf);
  if (!defined) return defined.error();
  HOTSWAP_TRY(check_stubs(*defined, file, q));
  out.defined = std::move(*defined);
  for (const GlueRoot& root : out.roots)
    if (defined_true(*elf, root.symbols.has_inverse)) out.inverses.insert(root.symbols.inverse);
  for (const ElfSymbol& s : elf->symbols())
    if (s.type == STT_FUNC && s.shndx != 0 && s.bind != STB_LOCAL) out.functions.push_back(identity_of(s));
  return out;
}

}  // namespace

std::vector<const ElfFile*> object_files(const Release& release) {
  std::vector<const ElfFile*> out;
  for (const auto& o : release.objects)
    if (o) out.push_back(o.get());
  return out;
}

// Whether the old release's copy of `s` was compiled to be updateable: the patchable NOPs
// around its entry (x86_64::entry_state).
bool patchable_entry(const ElfFile& binary, const ElfSymbol& s) {
  if (s.shndx >= binary.sections().size()) return false;
  const ElfSection& section = binary.sections()[s.shndx];
  std::span<const unsigned char> bytes = binary.symbol_bytes(s);
  if (s.value < section.addr + x86_64::kPadBefore || bytes.size() < x86_64::kEntryBytes) return false;
  return x86_64::entry_state(bytes.data()) != x86_64::EntryState::kNotPatchable;
}

// The functions the patch would redirect whose entries cannot be: code built without the
// updateable flags (a vendored static library, a dependency's objects), linked as it was.
std::vector<std::string> unredirectable(const DiffResult& r) {
  const ElfFile& old_binary = *r.old_release->binary;
  SymbolIndex old_index(old_binary);
  std::vector<std::string> out;
  auto check = [&](const SymbolRef& symbol) {
    const ElfSymbol* before = old_index.find(symbol);
    if (before && !patchable_entry(old_binary, *before)) out.push_back(demangle(symbol.display()));
  };
  for (const FunctionChange& c : r.functions)
    if (c.kind == ChangeKind::kChanged && !c.fragment && !is_static_initializer(c.symbol.name)) check(c.symbol);
  for (const SignatureChange& s : r.types.signatures) check(s.old_symbol);
  return out;
}

Manifest make_manifest(const DiffResult& r, const TransformSymbols& transform) {
  Manifest m;
  m.base = r.old_release->record.build_id;
  m.target = r.new_release->record.build_id;
  const ElfFile& old_binary = *r.old_release->binary;
  const ElfFile& new_binary = *r.new_release->binary;
  SymbolIndex old_index(old_binary), new_index(new_binary);
  std::vector<const ElfFile*> old_files = object_files(*r.old_release), new_files = object_files(*r.new_release);
  // Functions of the same name as a running one of another signature: loaded as new, never
  // redirected to (a stub takes the old entry, or the old function stays for its callers).
  std::set<std::string> resigned;
  for (const auto* list : {&r.types.signatures, &r.types.resigned})
    for (const SignatureChange& s : *list)
      if (s.old_symbol == s.new_symbol) resigned.insert(s.new_symbol.display());
  for (const FunctionChange& c : r.functions) {
    if (c.kind == ChangeKind::kRemoved) continue;
    ManifestFunction f;
    f.symbol = c.symbol;
    f.reason = c.reason;
    const ElfSymbol* before = old_index.find(c.symbol);
    const ElfSymbol* after = new_index.find(c.symbol);
    if (after) {
      CodeHash h = code_hash(new_binary, *after, new_files);
      f.new_hash = h.hash;
      f.new_mask = h.mask;
    }
    // A fragment has no entry to redirect: it is carried like a new function, bound to the
    // patch's copy, so that its new parent and it jump into each other.
    // Nor has a static initializer: it ran when the program started and runs again only
    // for the patch's new data.
    bool initializer = is_static_initializer(c.symbol.name);
    if (c.kind == ChangeKind::kChanged && !c.fragment && !initializer && before && resigned.count(c.symbol.display())) {
      f.kind = ManifestFunction::Kind::kResigned;  // the running one has another signature
    } else if (c.kind == ChangeKind::kChanged && !c.fragment && !initializer && before) {
      f.kind = ManifestFunction::Kind::kChanged;
      CodeHash h = code_hash(old_binary, *before, old_files);
      f.old_hash = h.hash;
      f.old_mask = h.mask;
      f.old_size = before->size;
    } else {
      f.kind = ManifestFunction::Kind::kNew;
      if (c.fragment) f.reason = "fragment carried with its parent: " + c.reason;
      if (initializer) f.reason = "static initializer carried with its unit: " + c.reason;
    }
    m.functions.push_back(std::move(f));
  }
  for (const DataChange& d : r.objects.data) {
    if (d.kind == DataChange::Kind::kNew) m.data.push_back({d.symbol, ManifestData::Kind::kNew, {}});
    if (d.kind == DataChange::Kind::kRenumbered) m.data.push_back({d.symbol, ManifestData::Kind::kBind, d.bind_to});
  }
  for (const TypeChange& t : r.types.types) m.types.push_back({t.name, ""});
  // Every migrated datum moves through its entry points in the transform unit; the inverse
  // is there when the file has the overloads revert needs.
  for (const DataTypeChange* d : migrated_data(r)) {
    DatumSymbols symbols = datum_symbols(d->symbol);
    m.migrations.push_back({d->symbol, d->new_type, symbols.forward,
                            transform.inverses.count(symbols.inverse) ? symbols.inverse : "",
                            transform.defined.count(symbols.discard) ? symbols.discard : ""});
  }
  // Functions of the transform unit that the new release does not have (instantiations for
  // the transformers) are the patch's own: never bound to a running copy, which may be the
  // old release's instantiation of the same name over the old layout.
  std::set<std::string> listed;
  for (const ManifestFunction& f : m.functions) listed.insert(f.symbol.display());
  for (const SymbolRef& f : transform.functions) {
    if (listed.count(f.display()) || new_index.find(f)) continue;
    ManifestFunction carried;
    carried.symbol = f;
    carried.kind = ManifestFunction::Kind::kNew;
    carried.reason = "used by the transformers";
    m.functions.push_back(carried);
    listed.insert(f.display());
  }
  for (const SignatureChange& s : r.types.signatures) m.stubs.push_back({s.old_symbol, stub_symbol(s.old_symbol)});
  return m;
}

Expected<PatchOutcome> build_patch(const DiffResult& r, const PatchRequest& request) {
  PatchOutcome outcome;
  if (!r.types.unmigrated.empty()) {
    std::string why;
    for (const UnmigratedReach& u : r.types.unmigrated) why += "\n  " + u.path;
    return make_error("these data cannot be migrated:" + why);
  }
  if (std::vector<std::string> fixed = unredirectable(r); !fixed.empty()) {
    std::string why;
    for (const std::string& f : fixed) why += "\n  " + f;
    return make_error("these changed functions have no patchable entry: they were compiled without the updateable "
                      "flags (a vendored library, a dependency's objects?), so the running program cannot be sent to "
                      "their new code:" + why);
  }
  if (std::vector<std::string> types = undeclarable_types(r); !types.empty()) {
    std::string why;
    for (const std::string& t : types) why += "\n  " + t;
    return make_error("these changed types cannot be declared in the transform file, whose old layouts would read "
                      "old objects through the new type (docs/type-updates.md):" + why);
  }
  if (!r.types.unstubbable.empty()) {
    std::string why;
    for (const std::string& u : r.types.unstubbable) why += "\n  " + u;
    return make_error("these signature changes cannot be given a stub:" + why);
  }
  Requirements q = requirements_of(r);
  std::vector<std::string> objects;
  std::vector<std::string> temporaries;
  auto cleanup = [&temporaries] {
    for (const auto& t : temporaries) std::filesystem::remove(t);
  };

  if (q.transform && request.transform_file.empty()) {
    std::string path = transform_destination(request.output);
    std::ofstream(path) << generate_transform_source(r);
    std::string why;
    for (const auto& w : q.why) why += "\n  " + w;
    return make_error(std::string(migrated_data(r).empty() ? "signature change without a stub" : "type change without --transform") +
                      ":" + why + "\nwrote " + path + ": review it, then re-run with --transform " + path);
  }
  TransformSymbols symbols;
  if (!request.transform_file.empty()) {
    if (!std::filesystem::exists(request.transform_file))
      return make_error("--transform " + request.transform_file + ": no such file");
    auto compiled = compile_transform(r, request.transform_file, request.output, q, temporaries);
    if (!compiled) {
      cleanup();
      return compiled.error();
    }
    symbols.defined = compiled->defined;
    symbols.inverses = compiled->inverses;
    symbols.functions = compiled->functions;
    objects.push_back(compiled->object);
  }

  for (const std::string& unit : r.carried_units)
    for (const BuildRecordObject& o : r.new_release->record.objects)
      if (o.source == unit) {
        objects.insert(objects.end() - (request.transform_file.empty() ? 0 : 1), o.path);
        break;
      }
  outcome.manifest = make_manifest(r, symbols);
  Status written = write_patch(objects, outcome.manifest, request.output);
  cleanup();
  if (!written) return written.error();
  return outcome;
}

}  // namespace hotswap::diff
