// <hotswap/transform.h>: what a transform file (docs/type-updates.md) may call.
//
// A transform file holds the old layouts (namespace hotswap_old) and one ordinary overload
// per changed class type and direction:
//
//   bool hotswap_transform(const hotswap_old::app::Session& from, app::Session& to);
//   bool hotswap_transform(const app::Session& from, hotswap_old::app::Session& to);  // revert
//
// `hotswap diff --transform FILE` compiles the file inside a unit it generates: the file
// first, then <hotswap/transform_impl.h> (the definitions below, which find every overload
// the file declares), then one entry point per migrated datum. So the file is compiled once,
// with the new release's include directories and definitions, and never on its own.
//
// Everything here runs while the program's threads are held at a safe moment, and has
// internal linkage: each patch carries its own copy, whatever other patches are loaded.
// Members of unchanged type are moved out of the old objects (standard containers and
// owning pointers keep their elements where they are, so pointers to them stay valid);
// a migration that fails moves them back, so a refused update leaves every old object as it
// was. The old objects are destroyed once the update has committed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <new>
#include <limits>
#include <pthread.h>
#include <sys/mman.h>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace hotswap {
namespace {  // the patch's own (see above)

// Whether an arithmetic value is in the range of the type To (checked before converting:
// an out-of-range conversion from a floating-point value is undefined). Integers must keep
// their value and sign; floating-point values their magnitude (NaN and infinities only go
// to floating-point types; rounding is allowed). Enums by their underlying type.
template <class To, class From>
bool fits(From value) {
  if constexpr (std::is_enum_v<From>) {
    return fits<To>(static_cast<std::underlying_type_t<From>>(value));
  } else if constexpr (std::is_enum_v<To>) {
    return fits<std::underlying_type_t<To>>(value);
  } else if constexpr (std::is_floating_point_v<From>) {
    if (!std::isfinite(value)) return std::is_floating_point_v<To>;
    if constexpr (std::is_same_v<To, bool>) return value == 0 || value == 1;
    if constexpr (std::is_floating_point_v<To>)
      return std::fabs(static_cast<long double>(value)) <= static_cast<long double>(std::numeric_limits<To>::max());
    else
      return std::trunc(static_cast<long double>(value)) >= static_cast<long double>(std::numeric_limits<To>::lowest()) &&
             std::trunc(static_cast<long double>(value)) <= static_cast<long double>(std::numeric_limits<To>::max());
  } else if constexpr (std::is_floating_point_v<To>) {
    return true;
  } else {
    To converted = static_cast<To>(value);
    return static_cast<From>(converted) == value && ((value < From{}) == (converted < To{}));
  }
}

// Converts an arithmetic or enum value; false (and nothing written) when it does not fit.
template <class To, class From>
bool convert(const From& from, To& to);

// Migrates `from` into `to` (already constructed): through the file's hotswap_transform
// overload for a class type, element by element for containers and owning pointers of
// changed types, by conversion for arithmetic values, by forward_to() for raw pointers to
// changed types, by a move for unchanged types (undone if the update fails). False (with the
// reason recorded) refuses the update. It may move what `from` holds: read a member before
// passing it here if you need it afterwards.
template <class From, class To>
bool transform(const From& from, To& to);

// The object `old` is migrated to, whatever the order in which objects are transformed:
// one already migrated is returned at once; for one not migrated yet, a placeholder that
// the runtime replaces once every object has moved (in the objects the helpers built).
// nullptr for nullptr. An object nobody migrates fails the update.
template <class New, class Old>
New* forward(const Old* old);

// `slot = forward<New>(old)`, with the slot remembered, so that it is filled in exactly
// once the object `old` moves to is known. What the generated defaults use.
template <class New, class Old>
bool forward_to(New*& slot, const Old* old);

// Refuses the update with a reason that the runtime reports: `return hotswap::refuse("...")`.
bool refuse(const std::string& reason);

// Takes over a resource held in a plain member (a descriptor, a raw owning or counted
// pointer): `to = from`, then `from = empty`, so that destroying the object moved from
// releases nothing the other object now holds; if the update then fails, `from` gets its
// value back. What an inverse transformer writes for such members, since a revert
// destroys the patch's objects with their own destructors (docs/type-updates.md):
//   hotswap::take(from.fd, to.fd, -1);  hotswap::take(from.body, to.body, nullptr);
template <class T, class Empty>
bool take(const T& from, T& to, const Empty& empty);

// Migrates an object that raw pointers own together (a reference-counted entry, a node with
// several owners), once for all of its owners: the first call for `old` builds the new
// object (`new New()`, then transformed from `old`), and every call, whatever the order of
// the owners, sets `slot` to that same object, so a count of owners kept in the object
// carries over as it is. Only for objects that raw pointers alone own, made by plain `new`:
// one that something else migrated first (an element, a unique_ptr's) is only pointed to,
// and one that something else migrates after (so that it would move twice) refuses the
// update. Once the update has committed, the old object is deleted: going forward through
// its old layout (its members' destructors: moved from, they free nothing the new object
// holds; the program's own destructor does not run), in a revert with the patch's own
// destructor, so an inverse transformer takes over what that destructor would release
// (hotswap::take, hotswap::clear). If the update fails, the new object is abandoned, never
// destroyed: it may hold copies of what the old one still owns. nullptr for nullptr.
template <class New, class Old>
bool migrate_once(const Old* old, New*& slot);

// Empties a member of an object moved from, so that its destructor releases nothing the
// new objects now hold: in a revert, a container of raw owning pointers or a counted pointer
// of the patch's objects, whose own destructors run when the revert has committed
// (`hotswap::clear(from.entries)`). The member becomes value-initialized; its value comes
// back if the update fails, and is destroyed (itself, not what raw pointers in it point to)
// once the update has committed.
template <class T>
bool clear(const T& member);

// Destroys a member and value-initializes it: what a generated `hotswap_reset` overload
// does member by member, for an old layout that has no default constructor in the transform
// unit (it holds a std::unordered_map keyed by an old layout, whose std::hash is disabled).
template <class T>
void reset_member(T& member);

// Gives up a member of an instance a failed migration half filled, without destroying what
// it holds: what a generated `hotswap_abandon` overload does member by member, for a class
// without a default constructor in the transform unit.
template <class T>
void abandon_member(T& member);

namespace migration_detail {

// Memory for the migration's own tables, straight from the kernel: they grow to megabytes
// right after the previous update freed many small objects, and a large malloc then first
// coalesces all of those (glibc's malloc_consolidate), which costs more than the migration.
// Pages the table never reaches cost nothing but address space.
template <class T>
struct PageAllocator {
  using value_type = T;
  PageAllocator() = default;
  template <class U>
  PageAllocator(const PageAllocator<U>&) {}
  T* allocate(std::size_t n) {
    void* p = ::mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) { ::munmap(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PageAllocator<U>&) const { return true; }
};

template <class T>
using PageVector = std::vector<T, PageAllocator<T>>;

// Reserves room for `expected` elements, their pages in place (a fault per page costs far
// more than one call that fills them all), and address space for at least `least` without
// moving. What the kernel cannot do here is left to the first write.
template <class T>
void reserve_ahead(PageVector<T>& table, std::size_t expected, std::size_t least) {
  table.reserve(std::max(expected, least));
#ifdef MADV_POPULATE_WRITE  // Linux 5.14 and glibc 2.35 headers; elsewhere the pages come at first write
  if (expected)
    ::madvise(static_cast<void*>(table.data()), expected * sizeof(T) & ~std::size_t{4095}, MADV_POPULATE_WRITE);
#endif
}

// Old object (and its type) -> the object it moved to: an open-addressing table, since a
// migration records every object it moves and a node per entry would double the
// allocations of the migration itself. Sized from the last migration's count, so that a
// repeated one never rehashes. Keyed by type too: a member at offset 0 shares its parent's
// address.
class ForwardTable {
 public:
  struct Entry {
    const void* from = nullptr;
    const std::type_info* type = nullptr;
    void* to = nullptr;
  };

  void insert(const void* from, const std::type_info* type, void* to) {
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    Entry* e = probe(from, type);
    if (!e->from) ++count_;
    *e = {from, type, to};
  }
  void* find(const void* from, const std::type_info* type) const {
    if (slots_.empty() || !from) return nullptr;
    const Entry* e = const_cast<ForwardTable*>(this)->probe(from, type);
    return e->from ? e->to : nullptr;
  }
  void clear() {
    hint_ = std::max(hint_, count_);
    slots_.clear();
    slots_.shrink_to_fit();
    count_ = 0;
    shift_ = 64;
  }

 private:
  // Fibonacci hashing of the address: objects a few bytes apart land far apart, where
  // linear probing would pile neighbours up.
  std::size_t home(const void* from) const {
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(from) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  Entry* probe(const void* from, const std::type_info* type) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = home(from);
    while (slots_[i].from && !(slots_[i].from == from && slots_[i].type == type)) i = (i + 1) & mask;
    return &slots_[i];
  }
  void grow() {
    PageVector<Entry> old = std::move(slots_);
    std::size_t size = old.empty() ? 1024 : old.size() * 2;
    while (old.empty() && size * 3 < hint_ * 4) size *= 2;
    slots_.assign(size, Entry{});
    shift_ = 64;
    for (std::size_t n = slots_.size(); n > 1; n >>= 1) --shift_;
    count_ = 0;
    for (const Entry& e : old)
      if (e.from) insert(e.from, e.type, e.to);
  }
  PageVector<Entry> slots_;
  std::size_t count_ = 0;
  std::size_t hint_ = 0;  // the most entries a migration of this patch has needed
  unsigned shift_ = 64;   // 64 - log2(slots)
};

// The elements of a contiguous container or array, moved together: one entry for all of
// them, so that a vector of a million elements costs no million table entries.
struct ElementRange {
  const std::type_info* type = nullptr;  // of an old element
  const char* from = nullptr;
  std::size_t from_size = 0;  // of one element
  char* to = nullptr;
  std::size_t to_size = 0;
  std::size_t count = 0;
};

struct Placeholder {
  const void* old;
  const std::type_info* type;
};

struct DeferredSlot {
  void** slot;
  const void* old;
  const std::type_info* type;
};

// A member moved out of an old object: how to move it back if the update fails.
struct Undo {
  void* from;
  void* to;
  void (*back)(void* from, void* to);
};

// An object migrate_once() built: the old one is deleted when the update commits; the new
// one is abandoned if it fails.
struct Owned {
  const void* old;
  const std::type_info* type;  // of the old object
  void* made;
  void (*destroy_old)(const void* old);
  // A class with virtual functions (going back: the patch's): deleted while the patch's code
  // is still the one its vtable's entries lead to, as the data holding such objects are.
  bool virtual_destructor;
};

// A value hotswap::clear() took out of an old object: destroyed when the update commits.
struct Cleared {
  void* box;
  void (*destroy)(void* box);
};

// A std::shared_ptr whose control block must never be released here: its code is a
// release's own (an instantiation over the changed type, which the update redirects), so
// the last release on the wrong side of the switch would run the other layout's destructor.
struct KeptShared {
  void* owner;
  void (*forget)(void* owner);  // overwrites it with an empty one, without releasing
};

struct MigrationState {
  // The code a revert leaves (the patch's): a function's entry into it must not go back,
  // the old code would call a function of the new release. Empty going forward.
  std::uintptr_t leaving_begin = 0, leaving_end = 0;
  const std::uintptr_t* leaving_entries = nullptr;  // its functions' starts, sorted (the runtime's)
  std::size_t leaving_entry_count = 0;
  // The patch's data (read-only and writable), where the vtables of the classes it brought
  // lie: an object whose vtable is there must not go back either. Empty going forward.
  std::uintptr_t leaving_data[2][2] = {};
  ForwardTable forwarded;
  PageVector<ElementRange> ranges;  // sorted by (type, start) up to sorted_ranges, then as noted
  std::size_t sorted_ranges = 0;
  // Every range's [begin, end) by begin, with the running maximum of the ends: for asking
  // whether an address is any old element (the threads' stacks). Built when first asked.
  PageVector<std::pair<std::uintptr_t, std::uintptr_t>> spans;
  PageVector<std::uintptr_t> span_reach;
  bool element_noted = false;  // the next object transformed is an element of a noted range
  std::map<const void*, std::shared_ptr<void>> shared;  // old shared object -> its new owner
  PageVector<DeferredSlot> deferred;
  std::vector<Placeholder> placeholders;
  // Every object noted, in order: the old one, its type and size, the new one and its size.
  // The forwarding table is built from it only when something asks where an object went
  // (most migrations never do), and kept up to date from then on.
  struct Noted {
    const void* from;
    const std::type_info* type;
    std::size_t from_size;
    void* to;
    std::size_t to_size;
  };
  PageVector<Noted> noted;
  // The most a migration of this patch has needed of each table: reserved before the next
  // one, ahead of the pause (hotswap_migration_prepare).
  std::size_t noted_hint = 0, undo_hint = 0, ranges_hint = 0, kept_hint = 0;
  std::size_t built_hint = 0;  // bytes of new objects and elements (the runtime makes room on the heap)
  bool prepared = false;  // the tables are empty and reserved
  bool indexed = false;  // `forwarded` holds every entry of `noted`
  PageVector<const void*> kept_pointers;            // unchanged-type pointers left as they were
  PageVector<Undo> undo;
  PageVector<KeptShared> old_shared, new_shared;
  PageVector<Owned> owned;
  PageVector<Cleared> cleared;
  std::map<std::string, std::size_t> counts;  // objects migrated per type
  std::string error;
  std::uintptr_t tag = 0;  // this migration's placeholder tag
  // The migrating thread's stack, [low, high): what lies there is a transformer's temporary
  // (on_this_stack). Read before the pause; both 0 when the thread's bounds are unknown.
  std::uintptr_t stack_low = 0, stack_high = 0;
};

// Never destroyed: a destructor would be registered to run at exit, pointing into the
// patch's code, the first time anything asks — which may be a copy of the patch that the
// runtime then refuses and unmaps (hotswap_migration_prepare runs before the threads are
// held). What it holds is the kernel's (its tables) or small.
inline MigrationState& state() {
  alignas(MigrationState) static unsigned char storage[sizeof(MigrationState)];
  static MigrationState* s = ::new (static_cast<void*>(storage)) MigrationState;
  return *s;
}

inline bool fail(const std::string& reason) {
  if (state().error.empty()) state().error = reason;
  return false;
}

}  // namespace migration_detail

inline bool refuse(const std::string& reason) { return migration_detail::fail(reason); }

}  // namespace
}  // namespace hotswap
