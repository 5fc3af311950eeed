#include "runtime/runtime.h"

#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "arch/x86_64/redirect.h"
#include "common/control_protocol.h"
#include "runtime/migrate.h"
#include "runtime/perf_map.h"
#include "runtime/private_memory.h"
#include "runtime/quiescence.h"
#include "runtime/thread_sampler.h"
#include "runtime/steps.h"

namespace hotswap {
namespace {

using Clock = std::chrono::steady_clock;

std::string short_id(const std::string& id) { return id.substr(0, 12); }

bool migrating(const LinkedPatch& patch) { return !patch.migrations.empty(); }

bool is_patch_machinery(const std::string& name) {
  for (const char* prefix : {"hotswap_transform_", "hotswap_inverse_", "hotswap_after_update_", "hotswap_discard_",
                             "hotswap_has_inverse_", "hotswap_migration_", "hotswap_note_", "hotswap_stub_"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

void add_warning(LinkedPatch& patch, const std::string& warning) {
  if (warning.empty()) return;
  patch.warning += (patch.warning.empty() ? "" : "; ") + warning;
}

std::string milliseconds_of(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// How long an update that moves state waits for a safe moment: what the request asked,
// else HOTSWAP_UPDATE_TIMEOUT_MS, else 5 s.
Clock::duration update_timeout(std::chrono::milliseconds asked) {
  if (asked.count() > 0) return asked;
  static const long ms = [] {
    const char* v = std::getenv("HOTSWAP_UPDATE_TIMEOUT_MS");
    long parsed = v ? std::strtol(v, nullptr, 10) : 0;
    return parsed > 0 ? std::min<long>(parsed, static_cast<long>(kMaxUpdateTimeoutMs)) : 5000L;
  }();
  return std::chrono::milliseconds(ms);
}

// DESIGN §6: changed functions that some thread is still running keep running the old
// code until they return; say which.
void report_active_functions(LinkedPatch& patch, const Scope& scope) {
  std::vector<AddressSizeList> copies;
  std::vector<std::string> names;
  std::size_t count = 0;
  for (const SymbolRef& f : replaced_functions(patch)) {
    copies.push_back(scope.code(f));  // the old code may run in any of them, or their parts
    names.push_back(f.display());
    count += copies.back().size();
  }
  PrivateArray<CodeRange> ranges(count);  // reclaim.h: no heap copies of patch addresses
  std::vector<std::size_t> function_of;
  for (std::size_t i = 0; i < copies.size(); ++i)
    for (auto [address, size] : copies[i])
      if (size && ranges.push_back({address, address + size})) function_of.push_back(i);
  std::vector<bool> hits = sample_threads(std::span(ranges.begin(), ranges.size())).hits;
  std::vector<bool> active(names.size(), false);
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (hits[i]) active[function_of[i]] = true;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (active[i]) patch.still_active.push_back(names[i]);
}

}  // namespace

Runtime& Runtime::instance() {
  static Runtime* runtime = new Runtime;  // never destroyed: patches outlive static destructors
  return *runtime;
}

void Runtime::fix_policies(const StartOptions& options) {
  if (policies_fixed_) return;
  policies_ = policies_from(options);
  fixed_by_ = options;
  policies_fixed_ = true;
}

namespace {
bool same_options(const StartOptions& a, const StartOptions& b) {
  return a.trusted_keys == b.trusted_keys && a.trusted_keys_file == b.trusted_keys_file &&
         a.require_signatures == b.require_signatures && a.allowed_uids == b.allowed_uids &&
         a.allowed_gids == b.allowed_gids && a.control_plane == b.control_plane;
}
}  // namespace

Policies Runtime::policies() {
  std::lock_guard lock(mu_);
  return policies_;  // not yet fixed: none, as an apply would find (status comes after start)
}

Status Runtime::ensure_started() {
  if (state_.image) return Status::success();
  auto image = read_running_image();
  if (!image) return image.error();
  state_.image = std::move(*image);
  state_.scope = std::make_unique<Scope>(*state_.image);
  x86_64::prepare_sync_cores();
  // Registered after the program's static initializers, so it runs before their
  // destructors: a running instance whose type a patch changed was emptied as an object of
  // its old type, and the destructor the program registered for it is its old release's —
  // but its entry leads to the patch's code while the patch is applied.
  static bool registered = false;
  if (!registered) registered = std::atexit([] { Runtime::instance().revert_for_exit(); }) == 0;
  publish();
  return Status::success();
}

void Runtime::publish() {
  try {
    auto snapshot = std::make_shared<Published>();
    snapshot->current_version = state_.current_version();
    snapshot->versions = versions_locked();
    published_.store(std::move(snapshot), std::memory_order_release);
  } catch (...) {  // out of memory: the last snapshot stays, one version behind
  }
}

void Runtime::revert_for_exit() {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // exit() from inside the runtime: leave it as it is
  std::size_t oldest = state_.applied.size();
  for (std::size_t i = 0; i < state_.applied.size(); ++i)
    if (migrating(*state_.applied[i])) {
      oldest = i;
      break;
    }
  while (state_.applied.size() > oldest) {
    LinkedPatch& last = *state_.applied.back();
    if (!revert_patch(last, state_)) return;  // its memory stays mapped: the patch's own
    (void)state_.applied.back().release();   // destructors still run on its instances
    state_.applied.pop_back();
  }
}

Status Runtime::start(const StartOptions& options) {
  std::lock_guard lock(mu_);
  bool first = !policies_fixed_;
  // Policies are fixed once: options that would change them later (a second start with
  // other keys, or a start after an apply fixed the environment's) are refused, not
  // quietly ignored, since a program that asked for a policy must not run without it.
  // A later start() without options (a library's) leaves them as they are.
  if (!first && !same_options(options, fixed_by_) && !same_options(options, StartOptions{})) {
    // Fail closed: the program meant a policy it cannot have; from now on no patch is
    // taken, rather than every patch the looser one would take.
    std::string why = "the policies were fixed by an earlier start() or apply() with other options";
    policies_.trust = TrustPolicy{true, {}, "refusing every patch: " + why};
    policies_.problem = why + ": these are not taken, and every patch is refused from now on";
    ++state_.generation;  // a patch staged under the looser policy does not commit either
  }
  fix_policies(options);
  HOTSWAP_TRY(ensure_started());
  // Every start says it, not only the first: a retried start must not open the socket.
  if (!policies_.problem.empty()) return make_error(policies_.problem);
  return Status::success();
}

Result Runtime::refuse(const std::string& path, const std::string& why, const Requester& by) {
  std::string message = "patch refused: " + why;
  JournalEntry entry{0, "apply", false, path, "", state_.image ? state_.current_version() : "", "", message, 0, 0, {}, ""};
  entry.by = by;
  journal_.record(std::move(entry));
  return Result{false, message, 0};
}

Result Runtime::apply(const std::string& path, std::chrono::milliseconds timeout, const Requester& by) {
  auto staged = stage(path, by);
  if (!staged) return Result{false, staged.error().message, 0};
  staged->update_timeout = timeout;
  return commit(std::move(*staged));
}

Expected<StagedPatch> Runtime::stage(const std::string& path, const Requester& by) {
  std::lock_guard lock(mu_);
  Status started = ensure_started();
  if (!started) return make_error(refuse(path, started.message(), by).message);

  if (reclaim_mode() == ReclaimMode::kScan) reclaim(retired_, applied_chains());  // before mapping more

  fix_policies({});  // an apply before any start: the environment's, for good
  auto file = read_patch(path, policies_.trust);                  // read, check id and signature
  if (!file) return make_error(refuse(path, file.error().message, by).message);
  auto patch = std::make_unique<LinkedPatch>();
  patch->file = std::move(*file);
  std::size_t slots = 0;
  for (const ManifestFunction& f : patch->file.manifest.functions) {
    // A static initializer is never redirected (symbol_index.h): the patch carries it.
    bool changed = f.kind == ManifestFunction::Kind::kChanged && !is_static_initializer(f.symbol.name);
    (changed ? patch->changed : patch->added).insert(key_of(f.symbol));
    if (f.kind == ManifestFunction::Kind::kResigned) patch->resigned.insert(key_of(f.symbol));
    if (changed) slots += state_.scope->entries(f.symbol).size();
  }
  // A function whose signature changed keeps its entry, redirected to its stub.
  for (const ManifestStub& stub : patch->file.manifest.stubs) slots += state_.scope->entries(stub.function).size();
  for (const ManifestData& d : patch->file.manifest.data)
    if (d.kind == ManifestData::Kind::kBind) patch->data_bindings[key_of(d.symbol)] = key_of(d.bind_to);
  for (const ManifestMigration& g : patch->file.manifest.migrations) patch->migrated.insert(key_of(g.symbol));
  // Transformers and hooks always run the patch's own copy: an earlier patch's function of
  // the same name (hotswap_transform_Counter of the previous release) knows other layouts.
  for (const ElfSymbol& s : patch->file.elf->symbols())
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF && is_patch_machinery(s.name)) patch->added.insert(key_of(identity_of(s)));

  Status s = verify_patch(*patch, state_);                        // verify
  if (s) {
    if (auto reused = take_reusable(*patch)) {                    // or reuse a reverted copy
      reused->file.path = path;
      reused->file.key_id = patch->file.key_id;  // the same content, perhaps signed anew
      report_active_functions(*reused, *state_.scope);
      return StagedPatch{std::move(reused), state_.generation, {}, by};
    }
  }
  patch->serial = state_.next_serial++;
  patch->chain_below = state_.applied_serials();
  if (s) s = plan_sections(*patch, *state_.scope);                // place
  if (s) s = allocate_sections(*patch, *state_.image, slots);
  if (s) s = bind_symbols(*patch, *state_.scope);                 // bind
  if (s) s = resolve_migrations(*patch, *state_.scope, *state_.image);
  if (s) s = check_type_identity(*patch, *state_.scope, *state_.image);
  if (s) s = relocate_sections(*patch);                           // relocate
  if (s) s = stage_patch(*patch, *state_.image);                  // stage
  // A patch that moves state commits only when no thread runs the code it replaces
  // (check_threads_for_migration): what runs now says nothing about then.
  if (s && !migrating(*patch)) report_active_functions(*patch, *state_.scope);
  if (!s) {
    discard_patch(*patch);  // nothing of it ran: always given back
    return make_error(refuse(path, s.message(), by).message);
  }
  return StagedPatch{std::move(patch), state_.generation, {}, by};
}

Result Runtime::commit(StagedPatch staged) {
  std::lock_guard lock(mu_);
  LinkedPatch& patch = *staged.patch;
  const Manifest& m = patch.file.manifest;
  if (staged.generation != state_.generation || m.base != state_.current_version()) {
    Result refused = refuse(patch.file.path, "the running program changed (a commit or revert) while this patch was staged", staged.by);
    if (!discard_patch(patch)) keep(std::move(staged.patch));
    return refused;
  }
  Status s = migrating(patch) ? commit_migrating(patch, staged.update_timeout) : commit_patch(patch, state_);  // commit
  if (s && !migrating(patch)) add_warning(patch, run_after_update_hooks(patch));
  if (!s) {
    Result refused = refuse(patch.file.path, s.message(), staged.by);
    if (!discard_patch(patch)) keep(std::move(staged.patch));     // its code ran
    return refused;
  }
  std::string message = "applied " + short_id(m.base) + " -> " + short_id(m.target) + ": " +
                        std::to_string(patch.redirects.size()) + " entries redirected";
  // A function a thread is in goes on in the old code in that frame, which for a thread's
  // bottom frame (main's loop, a thread's loop) is for good: no warning, only how the update
  // works there, said once per function for the life of the process.
  std::string running;
  std::size_t count = 0;
  for (const std::string& f : patch.still_active) {
    std::string name = demangle(f);
    if (!reported_active_.insert(name).second) continue;
    running += (running.empty() ? "" : ", ") + name;
    ++count;
  }
  if (count)
    message += "; " + running + (count == 1 ? " keeps" : " keep") +
               " running the old code in the frame a thread is in (new calls run the new code)";
  if (migrating(patch))
    message += "; migrated " + describe_migrations(patch) + "; waited " + std::to_string(patch.quiescence_ns / 1000) +
               " us for quiescence";
  if (!patch.warning.empty()) message += "; warning: " + patch.warning;
  publish_to_perf_map(patch);  // the threads run again: no part of the pause
  JournalEntry entry{0, "apply", true, patch.file.path, m.patch_id, m.base, m.target, message, patch.pause_ns, 0, {}, ""};
  entry.by = staged.by;
  entry.key_id = patch.file.key_id;
  journal_.record(std::move(entry));
  std::uint64_t pause = patch.pause_ns;
  state_.applied.push_back(std::move(staged.patch));
  ++state_.generation;
  publish();
  return Result{true, message, pause};
}

Result Runtime::revert(std::chrono::milliseconds timeout, const Requester& by, const std::string& only_patch) {
  std::lock_guard lock(mu_);
  auto record = [&](bool ok, const LinkedPatch* patch, const std::string& message, std::uint64_t pause) {
    JournalEntry entry{0, "revert", ok, "", "", state_.image ? state_.current_version() : "", "", message, pause, 0, {}, ""};
    if (patch) {
      const Manifest& m = patch->file.manifest;
      entry.patch = patch->file.path;
      entry.patch_id = m.patch_id;
      entry.from = m.target;
      entry.to = m.base;
      entry.key_id = patch->file.key_id;
    }
    entry.by = by;
    journal_.record(std::move(entry));
  };
  if (state_.applied.empty()) {
    std::string message = "nothing to revert: the process runs its base version";
    record(false, nullptr, message, 0);
    return Result{false, message, 0};
  }
  LinkedPatch& last = *state_.applied.back();
  const Manifest& m = last.file.manifest;
  if (!only_patch.empty() && (only_patch.size() < 12 || m.patch_id.rfind(only_patch, 0) != 0)) {
    std::string message = "not reverted: the last patch applied is " + short_id(m.patch_id) + ", not " +
                          short_id(only_patch);
    record(false, nullptr, message, 0);  // the version stays: from is the running one, to none
    return Result{false, message, 0};
  }
  Status s = migrating(last) ? revert_migrating(last, timeout) : revert_patch(last, state_);
  if (!s) {
    record(false, &last, s.message(), 0);
    return Result{false, "revert failed: " + s.message(), 0};
  }
  std::string message = "reverted " + short_id(m.target) + " -> " + short_id(m.base);
  if (!last.warning.empty()) message += "; warning: " + last.warning;
  record(true, &last, message, last.pause_ns);
  std::uint64_t pause = last.pause_ns;
  std::unique_ptr<LinkedPatch> reverted = std::move(state_.applied.back());
  state_.applied.pop_back();
  ++state_.generation;
  publish();
  keep(std::move(reverted));
  if (reclaim_mode() == ReclaimMode::kScan) reclaim(retired_, applied_chains());
  return Result{true, message, pause};
}

// What a migration of `patch` will need, for making room before the pause: what the last
// migration of it needed, or for the first, a guess (HeapReserve::first_guess; the state
// that moves is in resident memory, its tables take an entry per object or so, and an
// object is rarely smaller than a cache line). The guess is only used, never remembered.
MigrationSizes Runtime::expected_migration(const LinkedPatch& patch) {
  if (auto known = state_.migration_sizes.find(patch.file.manifest.patch_id); known != state_.migration_sizes.end())
    return known->second;
  MigrationSizes sizes{};
  std::size_t guess = HeapReserve::first_guess();
  constexpr std::size_t kMostEntries = std::size_t{1} << 18;
  for (std::size_t i = 0; i < kBytesBuilt; ++i) sizes[i] = std::min(guess / 128, kMostEntries);
  sizes[kBytesBuilt] = guess / 2;  // doubled like a measured figure
  return sizes;
}

// Room made before the pause: the tables' pages, and heap for the new objects (twice the
// bytes of the objects themselves: what they allocate in turn, nodes and buffers, comes on
// top). The heap room lasts as long as what this returns.
HeapReserve Runtime::make_room(const LinkedPatch& patch) {
  MigrationSizes expected = expected_migration(patch);
  prepare_migration(patch, expected);
  return HeapReserve(2 * expected[kBytesBuilt]);
}

// A patch that moves state commits with the threads that take part in updates held, once
// no other thread runs the code it replaces (migrate.h); the transformers run inside
// commit_patch, after the initializers built the new instances and before any redirect.
Status Runtime::commit_migrating(LinkedPatch& patch, std::chrono::milliseconds timeout) {
  HeapReserve room = make_room(patch);
  auto start = Clock::now();
  auto deadline = start + update_timeout(timeout);
  state_.scope->index_parts();  // not while the threads are held
  auto held = quiescence::hold(deadline);
  if (!held) drop_migration_tables(patch);
  if (!held) return make_error("no safe moment to move the state within " + milliseconds_of(update_timeout(timeout)) +
                               ": " + held.error().message);
  Status s;
  auto paused = Clock::now();
  try {
    s = check_threads_for_migration(patch, *state_.scope, Direction::kForward, *held, deadline);
    patch.quiescence_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    paused = Clock::now();
    if (s) s = commit_patch(patch, state_, *held);
    if (s) add_warning(patch, run_after_update_hooks(patch));  // the threads still held
  } catch (...) {
    // Out of memory with the threads held (a message, a table entry): they must not stay
    // held. Before the redirects, the migration is undone; after them, the update stands.
    s = patch.was_live ? Status::success() : make_error("out of memory while the threads were held: nothing changed");
    if (!patch.was_live) discard_moved_to(patch, Direction::kForward);
  }
  quiescence::release();
  if (s) patch.pause_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - paused).count());
  // The old objects go once the threads run again: no code reads them any more (all that
  // did is redirected), and freeing them is no part of the pause.
  if (s) discard_moved_from(patch, Direction::kForward);
  else drop_migration_tables(patch);
  state_.migration_sizes[patch.file.manifest.patch_id] = migration_sizes(patch);
  return s;
}

// The inverse: the patch's instances written back into the running ones, then the
// redirects undone, with the threads held. A patch without every inverse stays.
Status Runtime::revert_migrating(LinkedPatch& patch, std::chrono::milliseconds timeout) {
  for (const Migration& m : patch.migrations)
    if (!m.inverse)
      return make_error("the patch has no inverse transformer for " + m.symbol.display() +
                        ": its state cannot be moved back");
  HeapReserve room = make_room(patch);
  auto start = Clock::now();
  auto deadline = start + update_timeout(timeout);
  state_.scope->index_parts();  // not while the threads are held
  auto held = quiescence::hold(deadline);
  if (!held) drop_migration_tables(patch);
  if (!held) return make_error("no safe moment to move the state back within " +
                               milliseconds_of(update_timeout(timeout)) + ": " + held.error().message);
  Status s;
  auto paused = Clock::now();
  bool moving_back = false, moved_back = false, switching = false;
  try {
    s = check_threads_for_migration(patch, *state_.scope, Direction::kInverse, *held, deadline);
    patch.quiescence_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    paused = Clock::now();
    moving_back = static_cast<bool>(s);
    if (s) s = run_transformers(patch, Direction::kInverse, *held);
    moved_back = static_cast<bool>(s);
    if (s) s = check_entries_left(patch, state_);
    // The patch's instances that hold objects with virtual functions are destroyed while its
    // code is still the one redirected to (their vtables are the running program's, whose
    // entries lead to the patch's code only until the switch back); the others after the
    // pause, when no parked thread can hold a lock their destructors take.
    if (s) s = revert_patch(patch, state_, [&] {
      switching = true;  // from here on nothing throws: the code goes back
      discard_before_switch_back(patch);
    });
    if (moved_back && !s) discard_moved_to(patch, Direction::kInverse);  // the running instances go on as they were
  } catch (...) {
    // As in commit_migrating: the threads must not stay held.
    s = switching ? Status::success() : make_error("out of memory while the threads were held: nothing changed");
    if (moving_back && !switching) discard_moved_to(patch, Direction::kInverse);
  }
  quiescence::release();
  if (s) patch.pause_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - paused).count());
  if (s) discard_moved_from(patch, Direction::kInverse);
  else drop_migration_tables(patch);
  state_.migration_sizes[patch.file.manifest.patch_id] = migration_sizes(patch);
  return s;
}

std::vector<std::vector<std::uint64_t>> Runtime::applied_chains() const {
  std::vector<std::vector<std::uint64_t>> out;
  for (const auto& p : state_.applied) out.push_back(p->chain_below);
  return out;
}

void Runtime::keep(std::unique_ptr<LinkedPatch> patch) {
  // A patch no apply can take again keeps only its memory (a thread may still run its code,
  // an exit handler may point into it), not its file and link tables: a type-changing patch
  // is linked anew on every apply, and keeping megabytes per apply/revert cycle would grow
  // the heap without end.
  if (reclaim_mode() == ReclaimMode::kScan || !may_be_reused(*patch)) retired_.push_back(retire(*patch));
  else reusable_.push_back(std::move(patch));
}

std::unique_ptr<LinkedPatch> Runtime::take_reusable(const LinkedPatch& fresh) {
  for (auto it = reusable_.begin(); it != reusable_.end(); ++it) {
    if ((*it)->file.manifest.patch_id != fresh.file.manifest.patch_id) continue;
    if (!reuse_patch(**it, state_)) continue;  // another copy may fit; else link anew
    std::unique_ptr<LinkedPatch> reused = std::move(*it);
    reusable_.erase(it);
    return reused;
  }
  return nullptr;
}

std::string Runtime::current_version() {
  std::lock_guard lock(mu_);
  if (!ensure_started()) return "";
  return state_.current_version();
}

std::vector<Version> Runtime::versions() {
  std::lock_guard lock(mu_);
  if (!ensure_started()) return {};
  return versions_locked();
}

std::vector<Version> Runtime::versions_locked() const {
  std::vector<Version> out;
  out.push_back(Version{state_.image->elf->build_id(), "", state_.image->path, 0, 0, "", 0, ""});
  for (const auto& p : state_.applied)
    out.push_back(Version{p->file.manifest.target, p->file.manifest.patch_id, p->file.path, p->pause_ns,
                          p->redirects.size(), describe_migrations(*p), p->quiescence_ns, p->file.key_id});
  return out;
}

void Runtime::record(JournalEntry entry) {
  std::lock_guard lock(mu_);
  journal_.record(std::move(entry));
}

std::vector<JournalEntry> Runtime::journal() {
  std::lock_guard lock(mu_);
  return journal_.entries();
}

}  // namespace hotswap
