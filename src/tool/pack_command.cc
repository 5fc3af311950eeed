// `hotswap pack`: builds a patch from two build records and the functions a user names as
// changed. Every function of the carried translation units that the old release lacks is
// new; the rest bind to the running copies (DESIGN §4). The full, automatic comparison is
// `hotswap diff`.
#include <elf.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "common/elf_file.h"
#include "common/hash.h"
#include "common/manifest.h"
#include "common/symbol_index.h"
#include "tool/build_record.h"
#include "tool/code_hash.h"
#include "tool/commands.h"
#include "tool/patch_writer.h"

namespace hotswap {
namespace {

// "file:name" selects a file-local symbol; a name matches mangled, demangled, or demangled
// without its parameter list.
bool name_matches(const std::string& wanted, const ElfSymbol& s) {
  std::string name = wanted, file;
  auto colon = wanted.find(':');
  if (colon != std::string::npos && wanted.compare(colon, 2, "::") != 0) {
    file = wanted.substr(0, colon);
    name = wanted.substr(colon + 1);
  }
  if (!file.empty() && s.file != file) return false;
  if (s.name == name) return true;
  std::string d = demangle(s.name);
  std::string bare = d.substr(0, d.find('('));
  for (auto tag = bare.find("[abi:"); tag != std::string::npos; tag = bare.find("[abi:"))
    bare.erase(tag, bare.find(']', tag) + 1 - tag);  // "dump[abi:cxx11]" is "dump"
  return d == name || bare == name;
}

struct LoadedObject {
  BuildRecordObject record;
  ElfFile elf;
};

Expected<std::vector<LoadedObject>> load_objects(const BuildRecord& r) {
  std::vector<LoadedObject> out;
  for (const auto& o : r.objects) {
    auto elf = ElfFile::open(o.path);
    if (!elf) return make_error("object of " + r.binary + ": " + elf.error().message);
    out.push_back({o, std::move(*elf)});
  }
  return out;
}

std::vector<const ElfFile*> object_files(const std::vector<LoadedObject>& objects) {
  std::vector<const ElfFile*> out;
  for (const LoadedObject& o : objects) out.push_back(&o.elf);
  return out;
}

}  // namespace

int run_pack(const PackOptions& o) {
  auto fail = [](const std::string& msg) {
    std::cerr << "hotswap pack: " << msg << "\n";
    return kExitRefused;
  };
  auto old_record = read_build_record(o.old_binary);
  if (!old_record) return fail(old_record.error().message);
  auto new_record = read_build_record(o.new_binary);
  if (!new_record) return fail(new_record.error().message);
  if (old_record->compiler != new_record->compiler)
    return fail("the two builds used different compilers: " + old_record->compiler + " and " + new_record->compiler);
  if (old_record->flags != new_record->flags)
    return fail("the two builds used different flags: \"" + old_record->flags + "\" and \"" + new_record->flags + "\"");

  auto old_bin = ElfFile::open(o.old_binary);
  if (!old_bin) return fail(old_bin.error().message);
  auto new_bin = ElfFile::open(o.new_binary);
  if (!new_bin) return fail(new_bin.error().message);
  auto objects = load_objects(*new_record);
  if (!objects) return fail(objects.error().message);
  auto old_objects = load_objects(*old_record);
  if (!old_objects) return fail(old_objects.error().message);
  std::vector<const ElfFile*> old_files = object_files(*old_objects), new_files = object_files(*objects);
  SymbolIndex old_index(*old_bin), new_index(*new_bin);

  // Which translation units the patch carries, and which functions the user named.
  std::set<std::size_t> carried;
  std::set<std::pair<std::string, std::string>> named;
  for (const std::string& wanted : o.functions) {
    bool found = false;
    for (std::size_t i = 0; i < objects->size(); ++i)
      for (const ElfSymbol& s : (*objects)[i].elf.symbols()) {
        if (s.type != STT_FUNC || s.shndx == SHN_UNDEF) continue;
        // Clones and split parts (foo.constprop.0, foo.cold) are not redirected: the runtime
        // loads the patch's copies for the callers the patch carries. A name that only a
        // compiler's clone carries (GCC specialized every call of it) still carries its unit.
        bool clone = s.name.find('.') != std::string::npos;
        if (!name_matches(wanted, s) &&
            !(clone && name_matches(wanted, ElfSymbol{s.index, s.name.substr(0, s.name.find('.')), s.file})))
          continue;
        carried.insert(i);
        found = true;
        if (clone) continue;
        SymbolRef id = identity_of(s);
        named.insert({id.file, id.name});
      }
    if (!found) return fail("function " + wanted + " is not defined in any object of " + o.new_binary);
  }
  for (const std::string& src : o.sources) {
    bool found = false;
    for (std::size_t i = 0; i < objects->size(); ++i)
      if ((*objects)[i].record.source == src) carried.insert(i), found = true;
    if (!found) return fail("no object of " + o.new_binary + " was compiled from " + src);
  }
  if (carried.empty()) return fail("nothing to pack: name changed functions with --function");

  Manifest m;
  m.base = old_record->build_id;
  m.target = new_record->build_id;
  std::set<std::pair<std::string, std::string>> listed;
  std::vector<std::string> object_paths;
  for (std::size_t i : carried) {
    const LoadedObject& obj = (*objects)[i];
    object_paths.push_back(obj.record.path);
    for (const ElfSymbol& s : obj.elf.symbols()) {
      if (!is_definition(s) || (s.type != STT_FUNC && s.type != STT_OBJECT && s.type != STT_TLS)) continue;
      SymbolRef id = identity_of(s);
      if (!listed.insert({id.file, id.name}).second) continue;
      const ElfSymbol* before = old_index.find(id);
      const ElfSymbol* after = new_index.find(id);
      if (s.type == STT_FUNC) {
        bool is_named = named.count({id.file, id.name}) > 0;
        ManifestFunction f;
        f.symbol = id;
        if (after) {
          CodeHash h = code_hash(*new_bin, *after, new_files);
          f.new_hash = h.hash;
          f.new_mask = h.mask;
        }
        if (before && is_named) {
          CodeHash h = code_hash(*old_bin, *before, old_files);
          f.kind = ManifestFunction::Kind::kChanged;
          f.old_hash = h.hash;
          f.old_mask = h.mask;
          f.old_size = before->size;
          f.reason = "named with --function";
          m.functions.push_back(std::move(f));
        } else if (!before) {
          f.kind = ManifestFunction::Kind::kNew;
          f.reason = "not in " + o.old_binary;
          m.functions.push_back(std::move(f));
        }
      } else if (!before) {
        m.data.push_back({id, ManifestData::Kind::kNew, {}});
      }
    }
  }

  Status written = write_patch(object_paths, m, o.output);
  if (!written) return fail(written.message());
  if (o.json) {
    std::cout << serialize_manifest(m) << "\n";
  } else {
    std::cout << "patch " << o.output << ": " << m.base.substr(0, 12) << " -> " << m.target.substr(0, 12) << "\n";
    for (const auto& f : m.functions)
      std::cout << "  " << (f.kind == ManifestFunction::Kind::kChanged ? "changed " : "new     ")
                << demangle(f.symbol.name) << (f.symbol.file.empty() ? "" : "  [" + f.symbol.file + "]") << "\n";
    for (const auto& d : m.data) std::cout << "  new data " << demangle(d.symbol.name) << "\n";
  }
  return kExitDone;
}

}  // namespace hotswap
