// State migration (docs/ARCHITECTURE.md, "Type and state updates"): a patch that changes
// the type of a datum carries a new instance of it and a transformer that fills the new
// instance from the running one. The commit runs the transformers with every thread that
// takes part in updates held (quiescence.h), after checking that
// - no other thread is running code the patch replaces (it would read or write the old
//   instance after its value moved), and
// - no held thread keeps a pointer into an instance about to move on its stack (an update
//   point promises there is none; the runtime checks the promise).
// A revert runs the inverse transformers the same way, from the patch's instances back
// into the running ones. Transformers move members out of the instances they move from, with
// a record to move them back (and take plain resources over, hotswap::take, likewise), so a
// failure at any point leaves the program's state as it was; what the failed migration built
// is destroyed where the diff found that safe, abandoned otherwise. Once the update commits,
// the objects the old instances own are destroyed (discard_moved_from).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/expected.h"
#include "runtime/image.h"
#include "runtime/linked_patch.h"
#include "runtime/quiescence.h"

namespace hotswap {
struct RuntimeState;
}

namespace hotswap {

// Finds, after bind, each migrated datum's two instances, its transformers, and its
// initial value when the running instance is the executable's.
Status resolve_migrations(LinkedPatch& patch, const Scope& scope, const RunningImage& image);

enum class Direction { kForward, kInverse };

// Waits (until the deadline) for every thread that is not held to leave the code
// `direction` replaces: the old copies of the patch's changed functions going forward,
// the patch's own code going back. Then checks the held threads' stacks.
Status check_threads_for_migration(const LinkedPatch& patch, const Scope& scope, Direction direction,
                                   std::span<const quiescence::HeldThread> held,
                                   std::chrono::steady_clock::time_point deadline);

// Before the threads are held: the patch's migration tables reserved as large as `sizes`
// (what the last migration of the same patch needed), so that the pause does not wait for
// memory.
void prepare_migration(const LinkedPatch& patch, const MigrationSizes& sizes);

// The tables given back, when the update stopped before or after migrating anything.
void drop_migration_tables(const LinkedPatch& patch);

// How large the tables of the patch's migrations have grown, for the next linking of it.
MigrationSizes migration_sizes(const LinkedPatch& patch);

// Runs the transformers (forward: running -> patch; inverse: patch -> running). Any
// exception, of any type, and any non-zero result refuses; what was written before stays
// in instances nothing reads yet. Going forward, a datum that still holds its initial
// value is left as the new release's initializer made it: nothing to carry. Then each
// `held` thread's live stack is scanned (conservatively) for the address of an old object
// the migration moved from: one that does refuses the update, naming the thread and the
// type, with the migration undone — the thread would go on with an object that is gone.
Status run_transformers(LinkedPatch& patch, Direction direction, std::span<const quiescence::HeldThread> held);

// A revert, after the inverse transformers: no datum the migration does not carry one by
// one may keep an address in the patch's code (a function the new release added, or gave a
// new signature), or the old release would call it. The transformers check each entry they
// carry; what no transformer looks at is looked at here: every word of the executable's
// writable globals and of the new data of the patches below (not the runtime's own), so a
// callback table, a `std::function` or a struct holding one, whatever its type. Refuses,
// naming the datum and the function. Heap objects are not looked at (docs/type-updates.md).
Status check_entries_left(const LinkedPatch& patch, const RuntimeState& state);

// A revert, with the threads held and the patch's code still switched in: destroys the
// patch's instances that hold objects with virtual functions (their vtables lead to the
// patch's code only until the switch back). discard_moved_from does the others after the
// threads run again.
void discard_before_switch_back(LinkedPatch& patch);

// After a migration that committed: destroys the objects of the instances it moved from
// (forward: the running ones; inverse: the patch's), leaving them empty, so that their
// exit-time destructors free nothing twice. Ends the migration.
void discard_moved_from(LinkedPatch& patch, Direction direction);

// After a migration that ran but could not commit: moves back what it moved out, empties
// the instances it wrote into, and ends the migration.
void discard_moved_to(LinkedPatch& patch, Direction direction);

// Runs the patch's after-update hooks (HOTSWAP_AFTER_UPDATE), in symbol order. An exception
// does not undo the commit: it comes back as a warning ("" if none).
std::string run_after_update_hooks(const LinkedPatch& patch);

// "g_stats (Stats, 48 -> 56 bytes)" for each migration, for messages.
std::string describe_migrations(const LinkedPatch& patch);

}  // namespace hotswap
