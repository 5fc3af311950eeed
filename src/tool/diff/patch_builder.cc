#include "tool/diff/patch_builder.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "common/hash.h"
#include "tool/code_hash.h"
#include "common/symbol_index.h"
#include "tool/diff/transform_writer.h"
#include "tool/patch_writer.h"
#include "tool/subprocess.h"

namespace hotswap::diff {
namespace {

struct Requirements {
  std::vector<std::string> transformers;  // symbols --transform must define
  std::vector<std::string> stubs;
  std::vector<std::string> why;  // one line per requirement, for the refusal
};

Requirements requirements_of(const DiffResult& r) {
  Requirements q;
  for (const TypeChange& t : r.types.types) {
    q.transformers.push_back(transformer_symbol(t.name));
    q.why.push_back("type " + t.name + " changed: needs " + transformer_symbol(t.name));
  }
  for (const DataTypeChange& d : r.types.data)
    if (d.changed_type.empty() && !d.read_only) {
      q.transformers.push_back(data_transformer_symbol(d.symbol));
      q.why.push_back(d.symbol.display() + " changed type (" + d.old_type + " -> " + d.new_type + "): needs " +
                      data_transformer_symbol(d.symbol));
    }
  for (const SignatureChange& s : r.types.signatures) {
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

Status compile_transform(const DiffResult& r, const std::string& source, const std::string& object) {
  return run_program({compiler_for(r.new_release->record.compiler), "-std=c++20", "-O2", "-g", "-fPIC",
                      "-ffunction-sections", "-fdata-sections", "-c", source, "-o", object});
}

// The global symbols the compiled transform file defines.
Expected<std::set<std::string>> defined_symbols(const std::string& object) {
  auto elf = ElfFile::open(object);
  if (!elf) return elf.error();
  std::set<std::string> defined;
  for (const ElfSymbol& s : elf->symbols())
    if (s.shndx != 0 && s.bind != 0) defined.insert(s.name);
  return defined;
}

Status check_defines(const std::set<std::string>& defined, const std::string& source, const Requirements& q) {
  std::string missing;
  for (const auto& t : q.transformers)
    if (!defined.count(t)) missing += "\n  transformer " + t;
  for (const auto& s : q.stubs)
    if (!defined.count(s)) missing += "\n  stub " + s;
  if (!missing.empty()) return make_error(source + " does not define (as extern \"C\"):" + missing);
  return Status::success();
}

}  // namespace

std::vector<const ElfFile*> object_files(const Release& release) {
  std::vector<const ElfFile*> out;
  for (const auto& o : release.objects)
    if (o) out.push_back(o.get());
  return out;
}

Manifest make_manifest(const DiffResult& r, const std::set<std::string>& transform_defines) {
  Manifest m;
  m.base = r.old_release->record.build_id;
  m.target = r.new_release->record.build_id;
  const ElfFile& old_binary = *r.old_release->binary;
  const ElfFile& new_binary = *r.new_release->binary;
  SymbolIndex old_index(old_binary), new_index(new_binary);
  std::vector<const ElfFile*> old_files = object_files(*r.old_release), new_files = object_files(*r.new_release);
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
    if (c.kind == ChangeKind::kChanged && !c.fragment && !initializer && before) {
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
  for (const TypeChange& t : r.types.types) m.types.push_back({t.name, transformer_symbol(t.name)});
  for (const DataTypeChange& d : r.types.data)
    if (d.changed_type.empty() && !d.read_only)
      m.types.push_back({d.symbol.display() + ": " + d.old_type + " -> " + d.new_type, data_transformer_symbol(d.symbol)});
  // Every retyped datum moves: through its type's transformer when it is an instance of a
  // changed struct, else through its own. The inverse is there when the file defines it.
  for (const DataTypeChange& d : r.types.data) {
    if (d.read_only) continue;  // a constant: the new release's value is the value
    bool of_type = !d.changed_type.empty();
    std::string forward = of_type ? transformer_symbol(d.changed_type) : data_transformer_symbol(d.symbol);
    std::string inverse = of_type ? inverse_symbol(d.changed_type) : data_inverse_symbol(d.symbol);
    m.migrations.push_back({d.symbol, d.new_type, forward, transform_defines.count(inverse) ? inverse : ""});
  }
  for (const SignatureChange& s : r.types.signatures) m.stubs.push_back(s.old_symbol);
  return m;
}

Expected<PatchOutcome> build_patch(const DiffResult& r, const PatchRequest& request) {
  PatchOutcome outcome;
  if (!r.types.unmigrated.empty()) {
    std::string why;
    for (const UnmigratedReach& u : r.types.unmigrated) why += "\n  " + u.path;
    return make_error("changed types are reached through pointers or containers, or are polymorphic, which this "
                      "version cannot migrate yet:" + why);
  }
  Requirements q = requirements_of(r);
  bool needs_transform = !q.transformers.empty() || !q.stubs.empty();
  std::vector<std::string> objects;
  std::vector<std::string> temporaries;
  std::set<std::string> transform_defines;
  auto cleanup = [&temporaries] {
    for (const auto& t : temporaries) std::filesystem::remove(t);
  };

  if (needs_transform && request.transform_file.empty()) {
    std::string path = transform_destination(request.output);
    std::ofstream(path) << generate_transform_source(r);
    std::string why;
    for (const auto& w : q.why) why += "\n  " + w;
    return make_error(std::string(q.transformers.empty() ? "signature change without a stub" : "type change without --transform") +
                      ":" + why + "\nwrote " + path + ": review it, then re-run with --transform " + path);
  }
  if (!request.transform_file.empty()) {
    if (!std::filesystem::exists(request.transform_file))
      return make_error("--transform " + request.transform_file + ": no such file");
    std::string object = request.output + ".transform.o";
    temporaries.push_back(object);
    Status compiled = compile_transform(r, request.transform_file, object);
    if (!compiled) {
      cleanup();
      return make_error("--transform " + request.transform_file + " does not compile: " + compiled.message());
    }
    auto defined = defined_symbols(object);
    Status defines = defined ? check_defines(*defined, request.transform_file, q) : Status(defined.error());
    if (!defines) {
      cleanup();
      return defines.error();
    }
    transform_defines = std::move(*defined);
    objects.push_back(object);
  }

  for (const std::string& unit : r.carried_units)
    for (const BuildRecordObject& o : r.new_release->record.objects)
      if (o.source == unit) {
        objects.insert(objects.end() - (request.transform_file.empty() ? 0 : 1), o.path);
        break;
      }
  outcome.manifest = make_manifest(r, transform_defines);
  Status written = write_patch(objects, outcome.manifest, request.output);
  cleanup();
  if (!written) return written.error();
  return outcome;
}

}  // namespace hotswap::diff
