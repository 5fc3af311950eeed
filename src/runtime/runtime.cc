#include "runtime/runtime.h"

#include <elf.h>

#include "runtime/steps.h"

namespace hotswap {
namespace {

Result refused(const std::string& why) { return Result{false, "patch refused: " + why, 0}; }

std::string short_id(const std::string& id) { return id.substr(0, 12); }

}  // namespace

Runtime& Runtime::instance() {
  static Runtime* runtime = new Runtime;  // never destroyed: patches outlive static destructors
  return *runtime;
}

Status Runtime::ensure_started() {
  if (state_.image) return Status::success();
  auto image = read_running_image();
  if (!image) return image.error();
  state_.image = std::move(*image);
  state_.scope = std::make_unique<Scope>(*state_.image);
  return Status::success();
}

Result Runtime::start() {
  std::lock_guard lock(mu_);
  Status started = ensure_started();
  if (!started) return Result{false, started.message(), 0};
  return Result{true, "hotswap runtime ready, version " + short_id(state_.current_version()), 0};
}

Result Runtime::apply(const std::string& path) {
  std::lock_guard lock(mu_);
  Status started = ensure_started();
  if (!started) return refused(started.message());

  auto file = read_patch(path);                                  // read
  if (!file) return refused(file.error().message);
  auto patch = std::make_unique<LinkedPatch>();
  patch->file = std::move(*file);
  for (const ManifestFunction& f : patch->file.manifest.functions)
    (f.kind == ManifestFunction::Kind::kChanged ? patch->changed : patch->added).insert(key_of(f.symbol));
  for (const ManifestData& d : patch->file.manifest.data)
    if (d.kind == ManifestData::Kind::kBind) patch->data_bindings[key_of(d.symbol)] = key_of(d.bind_to);

  std::size_t slots = 0;
  for (const ManifestFunction& f : patch->file.manifest.functions)
    if (f.kind == ManifestFunction::Kind::kChanged) slots += state_.scope->entries(f.symbol).size();

  Status s = verify_patch(*patch, state_);                       // verify
  if (s) s = plan_sections(*patch, *state_.scope);               // place
  if (s) s = allocate_sections(*patch, *state_.image, slots);
  if (s) s = bind_symbols(*patch, *state_.scope);                // bind
  if (s) s = relocate_sections(*patch);                          // relocate
  if (s) s = stage_patch(*patch);                                // stage
  if (s) s = commit_patch(*patch, state_);                       // commit
  if (!s) {
    discard_patch(*patch);
    return refused(s.message());
  }
  std::size_t redirected = patch->redirects.size();
  std::uint64_t pause = patch->pause_ns;
  std::string from = short_id(patch->file.manifest.base), to = short_id(patch->file.manifest.target);
  state_.applied.push_back(std::move(patch));
  return Result{true, "applied " + from + " -> " + to + ": " + std::to_string(redirected) + " entries redirected", pause};
}

Result Runtime::revert() {
  std::lock_guard lock(mu_);
  if (state_.applied.empty()) return Result{false, "nothing to revert: the process runs its base version", 0};
  LinkedPatch& last = *state_.applied.back();
  Status s = revert_patch(last, state_);
  if (!s) return Result{false, "revert failed: " + s.message(), 0};
  std::uint64_t pause = last.pause_ns;
  std::string from = short_id(last.file.manifest.target), to = short_id(last.file.manifest.base);
  // The patch's memory stays mapped: an old activation may still run in it.
  static std::vector<std::unique_ptr<LinkedPatch>> reverted;
  reverted.push_back(std::move(state_.applied.back()));
  state_.applied.pop_back();
  return Result{true, "reverted " + from + " -> " + to, pause};
}

std::string Runtime::current_version() {
  std::lock_guard lock(mu_);
  if (!ensure_started()) return "";
  return state_.current_version();
}

std::vector<Version> Runtime::versions() {
  std::lock_guard lock(mu_);
  std::vector<Version> out;
  if (!ensure_started()) return out;
  out.push_back(Version{state_.image->elf->build_id(), "", state_.image->path, 0, 0});
  for (const auto& p : state_.applied)
    out.push_back(Version{p->file.manifest.target, p->file.manifest.patch_id, p->file.path, p->pause_ns,
                          p->redirects.size()});
  return out;
}

}  // namespace hotswap
