// A patch on its way through the runtime: read -> verify -> place -> bind -> relocate ->
// stage -> commit. Each step fills in its part of this struct.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/memory.h"
#include "runtime/patch_file.h"
#include "runtime/scope.h"

namespace hotswap {

// Where the references to a section of the patch go.
enum class Placement {
  kSkip,         // not loaded: metadata, notes, non-allocated sections
  kLoad,         // the patch's copy, in patch memory
  kBindRunning,  // the running program's instance of the same code or data
};

enum class RegionKind { kText, kRodata, kData };

struct SectionPlan {
  Placement placement = Placement::kSkip;
  RegionKind region = RegionKind::kData;
  std::uint64_t address = 0;  // loaded copy, running instance, or (TLS) thread-pointer offset
  std::uint64_t shadow = 0;   // bound writable data: a private copy the patch's static
                              // initializers write to instead of the running instance
  bool tls = false;
  bool init_code = false;     // .text.startup: static initialization of the translation unit
};

// One redirected entry, with what is needed to undo it.
struct Redirect {
  SymbolRef function;
  std::uint64_t entry = 0;
  std::uint64_t* slot = nullptr;
  std::uint64_t previous_target = 0;  // 0: the entry was not redirected before
  std::uint16_t original_entry = 0;
  std::uint64_t target = 0;
};

struct LinkedPatch {
  PatchFile file;
  std::vector<SectionPlan> sections;  // by section index
  std::set<SymbolKey> changed;        // manifest functions to redirect
  std::set<SymbolKey> added;          // manifest new functions
  std::map<SymbolKey, SymbolKey> data_bindings;  // manifest "bind" data overrides

  MappedRegion memory;
  std::uint64_t text_begin = 0, text_end = 0;
  std::uint64_t rodata_begin = 0, rodata_end = 0;
  std::uint64_t data_begin = 0, data_end = 0;

  // GOT slots and PLT stubs, allocated by place from the counts it scanned.
  std::map<std::pair<std::uint32_t, bool>, std::uint64_t> got_slots;  // (symbol, holds tpoff)
  std::map<std::uint32_t, std::uint64_t> plt_stubs;                   // by symbol index
  std::uint64_t plt_slots = 0;  // the stubs' jump slots, in stub order
  std::uint64_t got_base = 0;
  std::vector<std::uint64_t*> redirect_slots;                         // free slots for commit

  std::vector<std::uint64_t> symbol_values;  // by symbol index, filled by bind
  std::vector<std::uint64_t> init_shadow_values;  // the same as seen from init code

  std::uint64_t eh_frame = 0;
  std::uint64_t eh_frame_size = 0;
  bool eh_frame_registered = false;
  std::vector<std::uint64_t> init_functions;
  bool has_new_data = false;

  std::vector<std::string> still_active;  // changed functions some thread may still run
  ScopeLayer exports;  // what the patch adds to the running scope
  std::vector<Redirect> redirects;
  std::uint64_t pause_ns = 0;
};

}  // namespace hotswap
