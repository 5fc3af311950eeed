// Turns a diff into a .hsp (docs/patch-format.md): the changed translation units' objects,
// the compiled transform file, and the manifest. Refuses what the runtime could not apply
// safely: type changes without transformers, signature changes without stubs.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/expected.h"
#include "common/manifest.h"
#include "tool/diff/diff_engine.h"

namespace hotswap::diff {

struct PatchRequest {
  std::string output;          // the .hsp to write
  std::string transform_file;  // --transform: transformers and stubs, "" if none given
};

struct PatchOutcome {
  Manifest manifest;
  std::string generated_transform;  // path of a transform.cpp written for the user, if any
};

// What the compiled transform unit defines, as the manifest needs it.
struct TransformSymbols {
  std::set<std::string> defined;
  std::set<std::string> inverses;   // datum inverses that exist (their overloads were written)
  std::vector<SymbolRef> functions;  // every function it defines
};

// The manifest the diff implies (no patch id yet).
Manifest make_manifest(const DiffResult& result, const TransformSymbols& transform = {});

// Writes the patch, or refuses with the reason. When transformers or stubs are needed and
// missing, writes a transform.cpp next to the output and names it in the refusal.
Expected<PatchOutcome> build_patch(const DiffResult& result, const PatchRequest& request);

// FNV-1a of a function's bytes after its 2-byte patchable entry, exactly as `hotswap pack`
// and the runtime compute it.
std::string function_hash(const ElfFile& binary, const ElfSymbol& symbol);

}  // namespace hotswap::diff
