// Verification: the patch is for the running version and what it will redirect is what
// the manifest says. Nothing is changed here.
#include <elf.h>

#include <set>
#include <span>

#include "arch/x86_64/redirect.h"
#include "common/hash.h"
#include "runtime/runtime_state.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

bool defines_function(const ElfFile& elf, const SymbolRef& id) {
  for (const ElfSymbol& s : elf.symbols())
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF && identity_of(s) == id) return true;
  return false;
}

// Every entry of `function` can be switched: patchable, and within one cache line.
Status check_entries(const SymbolRef& function, const RuntimeState& state) {
  const std::string name = function.display();
  for (std::uint64_t entry : state.scope->entries(function)) {
    if (entry % 64 == 63)
      return make_error("function " + name + ": its entry straddles a cache line and cannot be switched atomically");
    if (x86_64::entry_state(reinterpret_cast<const unsigned char*>(entry)) == x86_64::EntryState::kNotPatchable)
      return make_error("function " + name + " has no patchable entry (was it built with hotswap_add_executable?)");
  }
  return Status::success();
}

Status verify_function(const ManifestFunction& f, const RuntimeState& state) {
  const std::string name = f.symbol.display();
  auto current = state.scope->find(f.symbol);
  if (!current || current->type != STT_FUNC)
    return make_error("function " + name + " to redirect is not in the running program");
  std::string running_hash = current->hash;
  if (current->from_image) {
    if (current->size != f.old_size)
      return make_error("function " + name + " is " + std::to_string(current->size) + " bytes in the running program, the patch expects " +
                        std::to_string(f.old_size));
    const auto* bytes = reinterpret_cast<const unsigned char*>(current->address);
    running_hash = function_body_hash(std::span(bytes, current->size), f.old_mask);
  }
  if (running_hash != f.old_hash)
    return make_error("function " + name + " in the running program is not the code the patch was made against");
  return check_entries(f.symbol, state);
}

}  // namespace

Status verify_patch(const LinkedPatch& patch, const RuntimeState& state) {
  const Manifest& m = patch.file.manifest;
  std::string running = state.current_version();
  if (m.base != running)
    return make_error("patch is for version " + m.base + ", the process runs " + running);
  // A function an applied patch gave a new signature shares its name with the old one, whose
  // entry leads to a stub (or stays for old callers): changing it again would send that old
  // entry to code of the new signature. Refused until the scope tells the two apart.
  std::set<SymbolKey> resigned_below;
  for (const auto& applied : state.applied) resigned_below.insert(applied->resigned.begin(), applied->resigned.end());
  auto resigned_before = [&](const SymbolRef& f) -> Status {
    if (resigned_below.count(key_of(f)))
      return make_error("function " + f.display() + " changed its signature in an applied patch: changing it again in "
                        "another patch on top is not supported yet (revert that patch and apply one made from its base)");
    return Status::success();
  };
  for (const ManifestFunction& f : m.functions)
    if (f.kind != ManifestFunction::Kind::kNew) HOTSWAP_TRY(resigned_before(f.symbol));
  // A function whose signature changed: its stub is the patch's, and its entries can be
  // switched to it, as a changed function's can.
  for (const ManifestStub& stub : m.stubs) {
    HOTSWAP_TRY(resigned_before(stub.function));
    if (stub.stub.empty())
      return make_error("the signature of " + stub.function.display() +
                        " changed, but the patch names no stub (made by an older hotswap diff: make it again)");
    if (!defines_function(*patch.file.elf, {stub.stub, ""}))
      return make_error("manifest names the stub " + stub.stub + " of " + stub.function.display() +
                        " but the patch does not define it");
    if (state.scope->entries(stub.function).empty())
      return make_error("the signature of " + stub.function.display() +
                        " changed, but the running program has no such function");
    HOTSWAP_TRY(check_entries(stub.function, state));
  }
  for (const ManifestFunction& f : m.functions) {
    if (!defines_function(*patch.file.elf, f.symbol))
      return make_error("manifest names function " + f.symbol.display() + " but the patch does not define it");
    if (f.kind == ManifestFunction::Kind::kChanged && !is_static_initializer(f.symbol.name))
      HOTSWAP_TRY(verify_function(f, state));
  }
  return Status::success();
}

}  // namespace hotswap
