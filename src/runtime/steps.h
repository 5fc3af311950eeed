// The steps a patch goes through, in order; runtime.cc calls them. Each returns a refusal
// that names the symbol, section or relocation, and none changes the running program
// except commit (and stage, which runs the static initializers of new data).
#pragma once

#include "common/expected.h"
#include "runtime/image.h"
#include "runtime/linked_patch.h"
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
// Applies every relocation of the loaded sections.
Status relocate_sections(LinkedPatch& patch);
// Protects memory, checks and registers unwind tables, initializes new data.
Status stage_patch(LinkedPatch& patch, const RunningImage& image);
// Redirects the changed functions; the only step other threads can observe.
Status commit_patch(LinkedPatch& patch, RuntimeState& state);
// Undoes the last commit.
Status revert_patch(LinkedPatch& patch, RuntimeState& state);
// Gives back what a patch that failed before commit took (memory, unwind registration).
void discard_patch(LinkedPatch& patch);

}  // namespace hotswap
