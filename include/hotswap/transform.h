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
// Everything here runs while the program's threads are held at a safe moment. The old
// objects are only read: a failed update leaves them exactly as they were. They are
// destroyed once the update has committed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace hotswap {

// Whether an arithmetic value is in the range of the type To (checked before converting:
// an out-of-range conversion from a floating-point value is undefined). Integers must keep
// their value and sign; floating-point values their magnitude (NaN and infinities only go
// to floating-point types; rounding is allowed).
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
// overload for a class type, element by element for containers and owning pointers,
// by conversion for arithmetic values, by forward() for raw pointers, by copy for equal
// types. False (with the reason recorded) refuses the update.
template <class From, class To>
bool transform(const From& from, To& to);

// The object `old` is migrated to, whatever the order in which objects are transformed:
// one already migrated is returned at once; for one not migrated yet, a placeholder that
// the runtime replaces once every object has moved (in `to`-side objects the helpers built,
// and wherever forward_to() stored it). nullptr for nullptr. An object nobody migrates
// fails the update.
template <class New, class Old>
New* forward(const Old* old);

// `slot = forward<New>(old)`, with the slot remembered, so that it is filled in exactly
// once the object `old` moves to is known. What the generated defaults use.
template <class New, class Old>
bool forward_to(New*& slot, const Old* old);

// Refuses the update with a reason that the runtime reports: `return hotswap::refuse("...")`.
bool refuse(const std::string& reason);

namespace detail {

// The state of one migration (one apply or revert): which old object went where. It lives
// in the patch (this header is compiled into one unit of it), one per patch.
struct Placeholder {
  const void* old;
  const char* type;
};

struct DeferredSlot {
  void** slot;
  const void* old;
  const char* type;
};

// Old object -> the object it moved to: an open-addressing table, since a migration records
// every object it moves and a node per entry would double the allocations of the migration
// itself. Sized from the last migration's count, so that a repeated one never rehashes.
class ForwardTable {
 public:
  struct Entry {
    const void* from = nullptr;
    void* to = nullptr;
  };

  void insert(const void* from, void* to) {
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    Entry& e = slot(from);
    if (!e.from) ++count_;
    e = {from, to};
  }
  void* find(const void* from) const {
    if (slots_.empty() || !from) return nullptr;
    const Entry& e = const_cast<ForwardTable*>(this)->slot(from);
    return e.from ? e.to : nullptr;
  }
  void clear() {
    hint_ = std::max(hint_, count_);
    slots_.clear();
    slots_.shrink_to_fit();
    count_ = 0;
    shift_ = 64;
  }

 private:
  Entry& slot(const void* from) {
    std::size_t mask = slots_.size() - 1;
    // Fibonacci hashing: objects a few bytes apart land far apart (linear probing would
    // pile neighbours into one long run otherwise).
    std::size_t i = static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(from) * 0x9E3779B97F4A7C15ull) >> shift_);
    while (slots_[i].from && slots_[i].from != from) i = (i + 1) & mask;
    return slots_[i];
  }
  void grow() {
    std::vector<Entry> old = std::move(slots_);
    std::size_t size = old.empty() ? 1024 : old.size() * 2;
    while (old.empty() && size * 3 < hint_ * 4) size *= 2;
    slots_.assign(size, Entry{});
    shift_ = 64;
    for (std::size_t n = slots_.size(); n > 1; n >>= 1) --shift_;
    count_ = 0;
    for (const Entry& e : old)
      if (e.from) insert(e.from, e.to);
  }
  std::vector<Entry> slots_;
  std::size_t count_ = 0;
  std::size_t hint_ = 0;  // the most entries a migration of this patch has needed
  unsigned shift_ = 64;   // 64 - log2(slots)
};

// The elements of a contiguous container or array, moved together: one entry for all of
// them, so that a vector of a million elements costs no million table entries.
struct ElementRange {
  const char* from = nullptr;
  std::size_t from_size = 0;  // of one element
  char* to = nullptr;
  std::size_t to_size = 0;
  std::size_t count = 0;
};

struct MigrationState {
  ForwardTable forwarded;
  std::map<const void*, ElementRange> ranges;  // by the old elements' start
  std::vector<std::pair<void*, std::size_t>> built;  // objects noted, searched for placeholders
  bool element_noted = false;  // the next object transformed is an element of a range
  std::unordered_map<const void*, std::shared_ptr<void>> shared;  // old object -> its new owner
  std::vector<DeferredSlot> deferred;
  std::vector<Placeholder> placeholders;
  std::unordered_map<std::string, std::size_t> counts;  // objects migrated per type
  std::string error;
  bool active = false;
};

inline MigrationState& state() {
  static MigrationState s;
  return s;
}

inline bool fail(const std::string& reason) {
  if (state().error.empty()) state().error = reason;
  return false;
}

}  // namespace detail

inline bool refuse(const std::string& reason) { return detail::fail(reason); }

}  // namespace hotswap
