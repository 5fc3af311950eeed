// The patch manifest: what a .hsp promises about itself. Stored as JSON in the patch's
// non-allocated section ".hotswap.manifest" (format documented in docs/patch-format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "common/hash.h"

namespace hotswap {

inline constexpr int kManifestFormat = 1;  // frozen: bump on any incompatible change
inline constexpr const char* kManifestSection = ".hotswap.manifest";

// A symbol's identity across releases: globals by name, file-locals by (file, name), where
// file is the STT_FILE name the compiler recorded (relative to the source root).
struct SymbolRef {
  std::string name;
  std::string file;  // "" for a global symbol
  bool operator==(const SymbolRef&) const = default;
  std::string display() const { return file.empty() ? name : file + ":" + name; }
};

struct ManifestFunction {
  // kResigned: the running program has a function of this name with another signature
  // (a parameter added, a return type changed): the patch's is loaded as a new function,
  // and the running one is left to its callers, or given a stub (Manifest::stubs).
  enum class Kind { kChanged, kNew, kResigned };
  SymbolRef symbol;
  Kind kind = Kind::kChanged;
  std::string old_hash;  // function_body_hash in the base release's binary
  std::vector<CodeMask> old_mask;  // the relocated fields that hash leaves out
  std::uint64_t old_size = 0;
  std::string new_hash;  // the same in the target release
  std::vector<CodeMask> new_mask;
  std::string reason;    // why the function is in the patch, for people
};

struct ManifestData {
  enum class Kind { kNew, kBind };
  SymbolRef symbol;  // as named in the patch
  Kind kind = Kind::kNew;
  SymbolRef bind_to;  // kBind: the running instance it takes over (e.g. renumbered statics)
};

struct ManifestTypeChange {
  std::string type_name;
  std::string transformer;  // "": transformed by the transform file's overloads
};

// A datum whose type changed (docs/patch-format.md, "migrations"): the patch carries it
// anew, where the new release's initializer constructs it; the commit, with the program's
// threads held, fills it from the running instance with `transformer`, and a revert writes
// the running instance back from it with `inverse` ("" if the patch has none: it cannot be
// reverted). Both are `extern "C" int f(const void* from, void* to)`, 0 for success.
// `discard`, `extern "C" void f(void* object, int patched)`, destroys the objects an instance
// owns and leaves it empty (the running instance's type when `patched` is 0, the patch's
// otherwise): run on the instance an update or a revert left behind, and on a half-filled
// one when a migration fails ("" if the patch has none: nothing is destroyed).
struct ManifestMigration {
  SymbolRef symbol;       // the datum: the patch's copy and the running instance
  std::string type;       // its new type, for people
  std::string transformer;
  std::string inverse;
  std::string discard;
};

// A function whose signature changed (docs/patch-format.md, "stubs"): its running entry is
// redirected to `stub`, a function of the patch with the old signature that calls the new
// function, so old callers, old frames and stored pointers go on working.
struct ManifestStub {
  SymbolRef function;  // the running program's function
  std::string stub;    // the patch's global symbol
};

struct Manifest {
  int format = kManifestFormat;
  std::string patch_id;
  std::string base;    // build-id of the release the patch applies to
  std::string target;  // build-id of the release it turns the process into
  std::vector<ManifestFunction> functions;
  std::vector<ManifestData> data;
  std::vector<ManifestTypeChange> types;
  std::vector<ManifestMigration> migrations;
  std::vector<ManifestStub> stubs;
};

Expected<Manifest> parse_manifest(std::string_view json);
std::string serialize_manifest(const Manifest& manifest);

}  // namespace hotswap
