// The addresses of a committed patch's functions, for profilers and debuggers: with
// HOTSWAP_PERF_MAP set in the program's environment, each commit appends its patch's
// functions to /tmp/perf-<pid>.map, the file `perf report` reads to name code that no
// mapped file describes (docs/control.md, "Profiling and debugging patched code").
#pragma once

#include "runtime/linked_patch.h"

namespace hotswap {

void publish_to_perf_map(const LinkedPatch& patch);

}  // namespace hotswap
