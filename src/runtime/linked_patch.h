// A patch on its way through the runtime: read -> verify -> place -> bind -> relocate ->
// stage -> commit. Each step fills in its part of this struct.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/symbol_names.h"
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
  // Code: the section's function (its first symbol that is not a clone or part), and the
  // section base that references taking the function's address see, so that they get its
  // canonical entry (Scope::canonical_entry); 0 when that is `address` itself.
  const ElfSymbol* function = nullptr;
  std::uint64_t canonical_base = 0;
  bool tls = false;
  bool init_code = false;  // runs only as static initialization of the translation unit
};

// A GOT slot the patch carries. Code that runs as static initialization sees bound data
// through shadow copies, every other code the running instances: each view has its own
// slots, so neither ever reads the other's address.
enum class GotKind : std::uint8_t {
  kAddress,    // the symbol's address (G of GOTPCREL)
  kTpoff,      // its thread-pointer offset (GOTTPOFF)
  kLeaTarget,  // S + A + 4 for a `lea` rewritten into a load from the slot
};
struct GotKey {
  std::uint32_t symbol = 0;
  GotKind kind = GotKind::kAddress;
  bool init_view = false;
  std::int64_t addend = 0;  // kLeaTarget only
  auto operator<=>(const GotKey&) const = default;
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

// The patch's .eh_frame as loaded: only the records of code the patch loads (an entry for
// code that stays in the executable would give the unwinder a wrong view of which
// registered table covers which code), with their relocations moved along.
struct UnwindTable {
  std::vector<unsigned char> bytes;
  std::vector<ElfRelocation> relocations;
  std::size_t fde_count = 0;
};

// What the last migration of a patch needed (hotswap_migration_sizes): its transform unit's
// four tables, in entries, then the bytes of the new objects it built.
using MigrationSizes = std::array<std::size_t, 5>;
constexpr std::size_t kBytesBuilt = 4;

// A datum whose type the patch changes (migrate.h): its running instance, the patch's new
// one, and the transformers between them (0: none).

struct Migration {
  SymbolRef symbol;
  std::string type;
  std::uint64_t running = 0, running_size = 0;
  std::uint64_t patched = 0, patched_size = 0;
  std::uint64_t transformer = 0, inverse = 0;
  std::uint64_t discard = 0;  // empties an instance (docs/patch-format.md), 0 if none
  std::uint64_t note = 0;     // records a datum no transformer ran for, 0 if none
  bool ran = false;           // the last migration ran a transformer into it
  // The running instance's value when the program started (the executable's image with its
  // load-time relocations), when it can be known: a datum that still holds it was never
  // written, and takes the new release's initial value instead of a transformer's.
  std::vector<unsigned char> initial;
  bool initial_known = false;
  bool took_initial = false;  // the last forward migration found it unwritten
  // A function-local static: its guard in the running program and in the patch (0 for
  // other data). One never initialized is not moved; one moved is marked initialized.
  std::uint64_t running_guard = 0, patched_guard = 0;
};

struct LinkedPatch {
  PatchFile file;
  std::uint64_t serial = 0;                // this instance, among all the runtime linked
  std::vector<std::uint64_t> chain_below;  // serials of the patches applied when it was linked
  std::vector<SectionPlan> sections;  // by section index
  std::set<SymbolKey> changed;        // manifest functions to redirect
  std::set<SymbolKey> added;          // manifest new functions
  // Functions whose running namesake has another signature (ManifestFunction::kResigned):
  // loaded as new, with no canonical entry of the running program (that entry is the old
  // function's, and leads to its stub if it has one).
  std::set<SymbolKey> resigned;
  std::map<SymbolKey, SymbolKey> data_bindings;  // manifest "bind" data overrides
  std::set<SymbolKey> migrated;                  // manifest migrations: data the patch carries anew
  std::vector<Migration> migrations;             // resolved after bind
  // The transform unit's session entry points (hotswap_migration_*), 0 when absent.
  std::uint64_t migration_begin = 0, migration_end = 0, migration_error = 0, migration_counts = 0;
  std::uint64_t migration_abort = 0, migration_release_old = 0, migration_release_owned = 0, migration_holds = 0,
                migration_clear = 0;
  std::uint64_t migration_prepare = 0, migration_sizes = 0, migration_leaving_code = 0, migration_leaving_data = 0,
                migration_leaving_entries = 0;
  std::string migrated_objects;  // "app::Session 1000, ..." of the last migration

  MappedRegion memory;
  std::uint64_t text_begin = 0, text_end = 0;
  std::uint64_t rodata_begin = 0, rodata_end = 0;
  std::uint64_t data_begin = 0, data_end = 0;

  // GOT slots and PLT stubs, allocated by place from the counts it scanned.
  std::map<GotKey, std::uint64_t> got_slots;
  std::map<std::uint32_t, std::uint64_t> plt_stubs;  // by symbol index
  std::uint64_t plt_slots = 0;  // the stubs' jump slots, in stub order
  std::uint64_t got_base = 0;
  std::vector<std::uint64_t*> redirect_slots;  // free slots for commit

  // By symbol index, filled by bind: the value code calls or reads; the same as seen from
  // static-initialization code; a function's canonical entry (0 for other symbols); and
  // the symbol's size (for R_X86_64_SIZE*).
  std::vector<std::uint64_t> symbol_values;
  std::vector<std::uint64_t> init_shadow_values;
  std::vector<std::uint64_t> canonical_values;
  std::vector<std::uint64_t> symbol_sizes;

  UnwindTable unwind;
  std::uint64_t eh_frame = 0;  // the loaded table, 0 if the patch has none to register
  std::uint64_t eh_frame_size = 0;
  std::uint64_t frame_object = 0;  // storage the unwinder keeps its record of the table in
  bool eh_frame_registered = false;
  std::vector<std::uint64_t> init_functions;
  bool has_new_data = false;
  bool initializers_ran = false;  // code of the patch ran: its memory is never given back
  bool was_live = false;          // it was committed once: threads may still run its code

  std::vector<std::string> still_active;  // changed functions some thread may still run
  ScopeLayer exports;  // what the patch adds to the running scope
  std::vector<Redirect> redirects;
  std::uint64_t pause_ns = 0;
  std::uint64_t quiescence_ns = 0;  // a patch that moves state: the wait for a safe moment
  std::string warning;  // a commit or revert that completed with a caveat says it here
};

// The running functions whose code the patch replaces: the changed ones, those whose
// signature changed (their entries lead to stubs), and the compiler-made clones and parts
// the patch carries anew with its callers (f.constprop.0, f.isra.0, f.part.0: their callers
// in the patch call the patch's; the running one may be entered by a tail call from a
// replaced function, with no frame of it left). A thread in one of them runs old code.
inline std::vector<SymbolRef> replaced_functions(const LinkedPatch& patch) {
  std::vector<SymbolRef> out;
  for (const ManifestFunction& f : patch.file.manifest.functions)
    if (patch.changed.count(key_of(f.symbol)) ||
        (f.kind == ManifestFunction::Kind::kNew && !parent_function(f.symbol.name).empty()))
      out.push_back(f.symbol);
  for (const ManifestStub& stub : patch.file.manifest.stubs) out.push_back(stub.function);
  return out;
}

}  // namespace hotswap
