// The steps a patch goes through, in order; runtime.cc calls them. Each returns a refusal
// that names the symbol, section or relocation, and none changes the running program
// except commit, whose refusals all come before its first effect.
#pragma once

#include <functional>

#include "common/expected.h"
#include "runtime/image.h"
#include "runtime/linked_patch.h"
#include "runtime/quiescence.h"
#include "runtime/scope.h"

namespace hotswap {

struct RuntimeState;

// The patch applies to the running version, its functions' old bytes are what the
// manifest expects, and it asks for nothing the runtime cannot do.
Status verify_patch(const LinkedPatch& patch, const RuntimeState& state);
// Decides, for each section, the patch's copy or the running instance (DESIGN §4).
Status plan_sections(LinkedPatch& patch, const Scope& scope);
// Maps patch memory near the image and copies the loaded sections into it.
Status allocate_sections(LinkedPatch& patch, const RunningImage& image, std::size_t redirect_slots);
// Gives every symbol of the patch its run-time value.
Status bind_symbols(LinkedPatch& patch, const Scope& scope);
// Vtables, typeinfo and VTTs bound to the running program's copies hold what the patch's
// own copies would (docs/binding-rules.md).
Status check_type_identity(const LinkedPatch& patch, const Scope& scope, const RunningImage& image);
// Applies every relocation of the loaded sections (and of the shadow copies).
Status relocate_sections(LinkedPatch& patch);
// The same for one section.
Status relocate_section(LinkedPatch& patch, const ElfSection& section);
// Protects memory, checks the unwind table, finds the static initializers.
Status stage_patch(LinkedPatch& patch, const RunningImage& image);
// Registers the unwind table, runs the initializers, migrates the state (a patch that moves
// state: `held`, the threads held for it, are checked for old objects) and redirects the
// changed functions; the only step other threads can observe. On failure,
// patch.eh_frame_registered and patch.initializers_ran say what did happen.
Status commit_patch(LinkedPatch& patch, RuntimeState& state, std::span<const quiescence::HeldThread> held = {});
// Undoes the last commit. Fails only before its first write.
// `before_switch`, if given, runs once nothing can fail any more, while the patch's code is
// still what the redirects lead to.
Status revert_patch(LinkedPatch& patch, RuntimeState& state, const std::function<void()>& before_switch = {});
// Makes a reverted patch committable again in the memory it has, when it would link to the
// same bytes: same running chain below it, same library symbols. Its new data gets its
// initial image back. Fails (and changes nothing that matters) when it cannot.
Status reuse_patch(LinkedPatch& reverted, const RuntimeState& state);
// Whether reuse_patch could ever take this patch: not once its static initializers ran or
// when it has writable data of its own.
Status may_be_reused(const LinkedPatch& patch);
// Gives back the memory of a patch that never became reachable; false (and nothing done)
// once its unwind table was registered or its code ran.
bool discard_patch(LinkedPatch& patch);

// The address a relocation refers to (S + A), where a reference that takes a function's
// address (not a call) names its canonical entry: `field_to_target` is the distance from
// the relocated field to the byte referenced (4 for a `lea`'s displacement, else 0).
std::uint64_t referenced_address(const LinkedPatch& patch, const ElfRelocation& r, bool init_view,
                                 std::int64_t field_to_target);

}  // namespace hotswap
