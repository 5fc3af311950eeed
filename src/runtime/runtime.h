// The runtime's one instance: holds the state and runs a patch through its steps.
// Thread-safe: every public function takes the runtime's mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <hotswap/hotswap.h>

#include "runtime/heap_reserve.h"
#include "runtime/journal.h"
#include "runtime/reclaim.h"
#include "runtime/runtime_state.h"
#include "runtime/start_options.h"

namespace hotswap {

// A patch that is read, verified and linked, waiting for its commit.
struct StagedPatch {
  std::unique_ptr<LinkedPatch> patch;
  std::uint64_t generation = 0;  // of the running program it was linked against
  std::chrono::milliseconds update_timeout{0};  // the wait for a safe moment; 0: the default
  Requester by;  // for the journal
};

class Runtime {
 public:
  static Runtime& instance();

  // The first call fixes the policies (start_options.h); a later one, or the first apply
  // without a start, keeps them or takes the environment's.
  Status start(const StartOptions& options = {});
  // `update_timeout`: how long a patch that moves state waits for a safe moment (0: the
  // process's default, HOTSWAP_UPDATE_TIMEOUT_MS or 5 s).
  Result apply(const std::string& path, std::chrono::milliseconds update_timeout = {}, const Requester& by = {});
  // Read, verify, place, bind, relocate, stage: everything before the pause.
  Expected<StagedPatch> stage(const std::string& path, const Requester& by = {});
  // REQUIRES: `staged` came from stage(). Refused if anything committed or reverted since.
  Result commit(StagedPatch staged);
  // `only_patch`: a patch id (or its first 12 or more digits); when given, the revert is
  // refused unless the last applied patch is that one (a fleet reverting what it applied).
  Result revert(std::chrono::milliseconds update_timeout = {}, const Requester& by = {},
                const std::string& only_patch = "");
  std::string current_version();
  std::vector<Version> versions();
  std::vector<JournalEntry> journal();
  // Journals what was refused before it reached the runtime (a peer not allowed to apply).
  void record(JournalEntry entry);
  // The policies the first start fixed (the environment's, if apply came first).
  Policies policies();

  // The version chain as of the last commit or revert, without the runtime's lock: a
  // program's thread that asks (a status page, in the middle of a request) neither waits
  // for a patch being staged nor takes part in an update while it asks. Null before start.
  struct Published {
    std::string current_version;
    std::vector<Version> versions;
  };
  std::shared_ptr<const Published> published() const { return published_.load(std::memory_order_acquire); }

 private:
  void publish();  // REQUIRES: mu_ held
  std::vector<Version> versions_locked() const;  // REQUIRES: mu_ held, started
  Status ensure_started();  // REQUIRES: mu_ held
  // At exit, before the program's own static destructors: the code of every patch down to
  // the oldest one that moved state goes back (see runtime.cc).
  void revert_for_exit();
  Result refuse(const std::string& path, const std::string& why, const Requester& by);  // REQUIRES: mu_ held
  void fix_policies(const StartOptions& options);  // REQUIRES: mu_ held

  std::mutex mu_;
  bool policies_fixed_ = false;
  StartOptions fixed_by_;  // the options that fixed them
  Policies policies_;
  std::atomic<std::shared_ptr<const Published>> published_;
  RuntimeState state_;
  Journal journal_;
  // Functions an apply already said go on running old code in a thread's frame (main's loop,
  // a thread's): said once per process, not at every apply that changes them again.
  std::set<std::string> reported_active_;
  // Reverted patches, and refused ones whose code ran (reclaim.h): whole, for reuse, or
  // what reclamation needs of them.
  std::vector<std::unique_ptr<LinkedPatch>> reusable_;
  std::vector<RetiredPatch> retired_;
  // Commit and revert of a patch that moves state (migrate.h).
  Status commit_migrating(LinkedPatch& patch, std::chrono::milliseconds timeout);  // REQUIRES: mu_ held
  Status revert_migrating(LinkedPatch& patch, std::chrono::milliseconds timeout);  // REQUIRES: mu_ held
  MigrationSizes expected_migration(const LinkedPatch& patch);  // REQUIRES: mu_ held
  HeapReserve make_room(const LinkedPatch& patch);               // REQUIRES: mu_ held
  std::vector<std::vector<std::uint64_t>> applied_chains() const;  // REQUIRES: mu_ held
  // Keeps a patch that may no longer be unmapped as it is: reusable, or retired.
  void keep(std::unique_ptr<LinkedPatch> patch);  // REQUIRES: mu_ held
  // A reverted copy of this patch that can be committed again, if there is one.
  std::unique_ptr<LinkedPatch> take_reusable(const LinkedPatch& fresh);  // REQUIRES: mu_ held
};

}  // namespace hotswap
