// <hotswap/transform_impl.h>: the definitions of <hotswap/transform.h>, and the entry points
// the runtime calls. `hotswap diff` includes it after the transform file, so that the
// templates below see every hotswap_transform overload the file declares (name lookup from
// a template's definition). Not for use anywhere else: it defines extern "C" functions.
#pragma once

#include <cxxabi.h>

#include <array>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include <hotswap/transform.h>

namespace hotswap::detail {

template <class>
inline constexpr bool always_false = false;

template <class T, template <class...> class Template>
struct is_instance : std::false_type {};
template <template <class...> class Template, class... Args>
struct is_instance<Template<Args...>, Template> : std::true_type {};
template <class T, template <class...> class Template>
inline constexpr bool is_instance_v = is_instance<T, Template>::value;

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

// Types that are never carried: a new one starts as constructed (a lock cannot be held at an
// update point, and a waiter cannot wait across one).
template <class T>
inline constexpr bool is_lock_v = std::is_same_v<T, std::mutex> || std::is_same_v<T, std::recursive_mutex> ||
                                  std::is_same_v<T, std::shared_mutex> || std::is_same_v<T, std::timed_mutex> ||
                                  std::is_same_v<T, std::condition_variable>;

template <class T>
std::string type_name() {
  int status = 0;
  char* text = abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status);
  std::string out = status == 0 && text ? text : typeid(T).name();
  std::free(text);
  return out;
}

// Placeholders forward() hands out for objects not migrated yet: non-canonical addresses,
// which no object has and which fault if dereferenced before they are replaced.
constexpr std::uintptr_t kPlaceholderTag = std::uintptr_t{0xfeed} << 48;
constexpr std::uintptr_t kPlaceholderMask = std::uintptr_t{0xffff} << 48;

inline void* placeholder(std::size_t index) { return reinterpret_cast<void*>(kPlaceholderTag | (index << 3)); }

// Whether the transform file declares hotswap_transform(const From&, To&) (looked up here,
// after the file: every overload it declares is visible).
template <class From, class To>
inline constexpr bool has_overload = requires(const From& f, To& t) {
  { hotswap_transform(f, t) } -> std::convertible_to<bool>;
};

// Records that `from` moved to `to` (an object the helpers or a transformer built).
template <class To>
void note(const void* from, To* to) {
  MigrationState& s = state();
  s.forwarded.insert(from, to);
  s.built.emplace_back(to, sizeof(To));
}

// Records that `count` elements at `from` moved to `to`, and marks the next object
// transformed as one of them (it needs no entry of its own).
template <class From, class To>
void note_elements(const From* from, To* to, std::size_t count) {
  if (count) state().ranges[from] = {reinterpret_cast<const char*>(from), sizeof(From), reinterpret_cast<char*>(to), sizeof(To), count};
}

// Where the old object at `old` moved, or nullptr: an object of its own, or an element.
inline void* moved_to(const void* old) {
  MigrationState& s = state();
  if (void* moved = s.forwarded.find(old)) return moved;
  if (s.ranges.empty() || !old) return nullptr;
  auto it = s.ranges.upper_bound(old);
  if (it == s.ranges.begin()) return nullptr;
  const ElementRange& r = (--it)->second;
  auto offset = static_cast<std::size_t>(static_cast<const char*>(old) - r.from);
  if (offset >= r.count * r.from_size || offset % r.from_size) return nullptr;
  return r.to + offset / r.from_size * r.to_size;
}

// Transforms the elements of two arrays, `count` of them, noted as one range.
template <class From, class To>
bool transform_elements(const From* from, To* to, std::size_t count) {
  note_elements(from, to, count);
  for (std::size_t i = 0; i < count; ++i) {
    // Only an object that goes through an overload would note itself.
    if constexpr (std::is_class_v<From> && std::is_class_v<To> && has_overload<From, To>) state().element_noted = true;
    if (!transform(from[i], to[i])) return false;
  }
  return true;
}

template <class T>
void reset(T& object) {
  if constexpr (std::is_array_v<T>) {
    for (auto& element : object) reset(element);
  } else if constexpr (!std::is_trivially_destructible_v<T> && std::is_default_constructible_v<T>) {
    std::destroy_at(&object);
    ::new (static_cast<void*>(&object)) T();
  }
}

// A standard container whose elements can be copied: copied whole when its type is unchanged.
template <class T>
constexpr bool copyable_container() {
  if constexpr (is_instance_v<T, std::vector> || is_instance_v<T, std::deque> || is_instance_v<T, std::list> ||
                is_instance_v<T, std::map> || is_instance_v<T, std::unordered_map>)
    return std::is_copy_constructible_v<typename T::value_type>;
  else
    return false;
}

// Whether transform(From, To) has a way: the same choices as transform() below, answered
// without instantiating it (a datum whose inverse is missing cannot be reverted; one whose
// transformer is missing is refused at diff time).
template <class From, class To>
constexpr bool transformable() {
  if constexpr (std::is_class_v<From> && std::is_class_v<To> && has_overload<From, To>) {
    return true;
  } else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To>) {
    return true;
  } else if constexpr (std::is_same_v<From, To> && std::is_trivially_copyable_v<To> && !std::is_array_v<To>) {
    return true;
  } else if constexpr ((std::is_arithmetic_v<From> || std::is_enum_v<From>) &&
                       (std::is_arithmetic_v<To> || std::is_enum_v<To>)) {
    return true;
  } else if constexpr (std::is_array_v<From> && std::is_array_v<To>) {
    return transformable<std::remove_extent_t<From>, std::remove_extent_t<To>>();
  } else if constexpr (is_std_array<From>::value && is_std_array<To>::value) {
    return transformable<typename From::value_type, typename To::value_type>();
  } else if constexpr ((is_instance_v<From, std::vector> && is_instance_v<To, std::vector>) ||
                       (is_instance_v<From, std::deque> && is_instance_v<To, std::deque>) ||
                       (is_instance_v<From, std::list> && is_instance_v<To, std::list>) ||
                       (is_instance_v<From, std::optional> && is_instance_v<To, std::optional>)) {
    return transformable<typename From::value_type, typename To::value_type>();
  } else if constexpr (is_instance_v<From, std::pair> && is_instance_v<To, std::pair>) {
    return transformable<typename From::first_type, typename To::first_type>() &&
           transformable<typename From::second_type, typename To::second_type>();
  } else if constexpr ((is_instance_v<From, std::map> && is_instance_v<To, std::map>) ||
                       (is_instance_v<From, std::unordered_map> && is_instance_v<To, std::unordered_map>)) {
    return std::is_same_v<typename From::key_type, typename To::key_type> &&
           transformable<typename From::mapped_type, typename To::mapped_type>();
  } else if constexpr (is_instance_v<From, std::unique_ptr> && is_instance_v<To, std::unique_ptr>) {
    if constexpr (std::is_same_v<typename From::element_type, typename To::element_type>)
      return std::is_copy_constructible_v<typename To::element_type>;
    else
      return transformable<typename From::element_type, typename To::element_type>();
  } else if constexpr (is_instance_v<From, std::shared_ptr> && is_instance_v<To, std::shared_ptr>) {
    return std::is_same_v<typename From::element_type, typename To::element_type> ||
           transformable<typename From::element_type, typename To::element_type>();
  } else if constexpr (std::is_same_v<From, To>) {
    return is_instance_v<To, std::atomic> || is_lock_v<To> || std::is_copy_assignable_v<To>;
  } else {
    return false;
  }
}

}  // namespace hotswap::detail

namespace hotswap {

template <class To, class From>
bool convert(const From& from, To& to) {
  if (!fits<To>(from))
    return detail::fail("a value of type " + detail::type_name<From>() + " does not fit in " +
                        detail::type_name<To>());
  if constexpr (std::is_enum_v<From> && !std::is_enum_v<To>)
    to = static_cast<To>(static_cast<std::underlying_type_t<From>>(from));
  else
    to = static_cast<To>(from);
  return true;
}

template <class New, class Old>
New* forward(const Old* old) {
  if (!old) return nullptr;
  detail::MigrationState& s = detail::state();
  if (void* moved = detail::moved_to(old)) return static_cast<New*>(moved);
  s.placeholders.push_back({old, typeid(New).name()});
  return static_cast<New*>(detail::placeholder(s.placeholders.size() - 1));
}

template <class New, class Old>
bool forward_to(New*& slot, const Old* old) {
  detail::MigrationState& s = detail::state();
  if (!old) {
    slot = nullptr;
    return true;
  }
  if (void* moved = detail::moved_to(old)) {
    slot = static_cast<New*>(moved);
    return true;
  }
  slot = nullptr;
  s.deferred.push_back({reinterpret_cast<void**>(&slot), old, typeid(New).name()});
  return true;
}

template <class From, class To>
bool transform(const From& from, To& to) {
  using namespace detail;
  if constexpr (std::is_class_v<From> && std::is_class_v<To> && has_overload<From, To>) {
    if (state().element_noted) state().element_noted = false;  // its range is noted
    else note(&from, &to);
    static std::size_t& migrated = state().counts[type_name<To>()];  // never erased: zeroed per migration
    ++migrated;
    return hotswap_transform(from, to);
  } else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To> &&
                       !std::is_function_v<std::remove_pointer_t<To>>) {
    using FromPointee = std::remove_cv_t<std::remove_pointer_t<From>>;
    using ToPointee = std::remove_cv_t<std::remove_pointer_t<To>>;
    if constexpr (std::is_same_v<FromPointee, ToPointee>) {
      // An object of an unchanged type: the same one, or its copy if the migration made one.
      void* moved = moved_to(static_cast<const void*>(from));
      to = moved ? static_cast<To>(moved) : const_cast<To>(from);
      return true;
    } else {
      return forward_to(to, from);
    }
  } else if constexpr (std::is_same_v<From, To> && std::is_trivially_copyable_v<To> && !std::is_array_v<To>) {
    to = from;
    return true;
  } else if constexpr ((std::is_arithmetic_v<From> || std::is_enum_v<From>) &&
                       (std::is_arithmetic_v<To> || std::is_enum_v<To>)) {
    return convert(from, to);
  } else if constexpr (std::is_array_v<From> && std::is_array_v<To>) {
    return transform_elements(&from[0], &to[0], std::min(std::extent_v<From>, std::extent_v<To>));
  } else if constexpr (is_std_array<From>::value && is_std_array<To>::value) {
    return transform_elements(from.data(), to.data(), std::min(from.size(), to.size()));
  } else if constexpr (std::is_same_v<From, To> && copyable_container<To>()) {
    to = from;  // nothing changed inside: copied whole
    if constexpr (is_instance_v<To, std::vector>)
      if constexpr (!std::is_same_v<typename To::value_type, bool>) note_elements(from.data(), to.data(), to.size());
    return true;
  } else if constexpr (is_instance_v<From, std::vector> && is_instance_v<To, std::vector>) {
    to.clear();
    to.resize(from.size());  // first, so that the elements' addresses hold while they fill
    return transform_elements(from.data(), to.data(), from.size());
  } else if constexpr ((is_instance_v<From, std::deque> && is_instance_v<To, std::deque>) ||
                       (is_instance_v<From, std::list> && is_instance_v<To, std::list>)) {
    to.clear();
    to.resize(from.size());
    auto out = to.begin();
    for (const auto& element : from)
      if (!transform(element, *out++)) return false;
    return true;
  } else if constexpr (is_instance_v<From, std::optional> && is_instance_v<To, std::optional>) {
    if (!from) {
      to.reset();
      return true;
    }
    to.emplace();
    return transform(*from, *to);
  } else if constexpr (is_instance_v<From, std::pair> && is_instance_v<To, std::pair>) {
    return transform(from.first, to.first) && transform(from.second, to.second);
  } else if constexpr ((is_instance_v<From, std::map> && is_instance_v<To, std::map>) ||
                       (is_instance_v<From, std::unordered_map> && is_instance_v<To, std::unordered_map>)) {
    static_assert(std::is_same_v<typename From::key_type, typename To::key_type>,
                  "hotswap: a map whose key type changed cannot be migrated by default; write it by hand");
    to.clear();
    if constexpr (is_instance_v<To, std::unordered_map>) to.reserve(from.size());
    for (const auto& [key, value] : from) {
      auto [where, inserted] = to.try_emplace(key);
      if (!transform(value, where->second)) return false;
    }
    return true;
  } else if constexpr (is_instance_v<From, std::unique_ptr> && is_instance_v<To, std::unique_ptr>) {
    using Target = typename To::element_type;
    if (!from) {
      to.reset();
      return true;
    }
    if constexpr (std::is_same_v<typename From::element_type, Target>) {
      // Unchanged: the new owner gets its own copy (the old one is destroyed with its owner).
      if constexpr (std::is_polymorphic_v<Target>)
        if (typeid(*from) != typeid(Target))
          return fail("a std::unique_ptr<" + type_name<Target>() +
                      "> owns an object of a derived class, which a copy would slice; migrate it by hand");
      if constexpr (std::is_copy_constructible_v<Target>) {
        to = std::make_unique<Target>(*from);
        note(from.get(), to.get());
        return true;
      } else {
        static_assert(always_false<Target>,
                      "hotswap: an owned object that cannot be copied; migrate this member by hand");
      }
    } else {
      to = std::make_unique<Target>();
      return transform(*from, *to);
    }
  } else if constexpr (is_instance_v<From, std::shared_ptr> && is_instance_v<To, std::shared_ptr>) {
    using Target = typename To::element_type;
    if constexpr (std::is_same_v<typename From::element_type, Target>) {
      to = from;  // unchanged: shared as it was
      return true;
    } else {
      if (!from) {
        to.reset();
        return true;
      }
      MigrationState& s = state();
      if (auto it = s.shared.find(from.get()); it != s.shared.end()) {  // its other owners keep sharing
        to = std::static_pointer_cast<Target>(it->second);
        return true;
      }
      to = std::make_shared<Target>();
      s.shared[from.get()] = to;  // released when the migration ends
      return transform(*from, *to);
    }
  } else if constexpr (is_instance_v<To, std::atomic> && std::is_same_v<From, To>) {
    to.store(from.load());
    return true;
  } else if constexpr (is_lock_v<To> && std::is_same_v<From, To>) {
    return true;
  } else if constexpr (std::is_same_v<From, To> && std::is_copy_assignable_v<To>) {
    to = from;
    return true;
  } else {
    static_assert(always_false<From>,
                  "hotswap: no hotswap_transform overload and no default for these two types; write one");
    return false;
  }
}

}  // namespace hotswap

namespace hotswap::detail {

// Runs one datum's migration: its transformer, any exception caught and recorded.
template <class From, class To>
int migrate_root(const void* from, void* to) noexcept {
  try {
    return transform(*static_cast<const From*>(from), *static_cast<To*>(to)) ? 0 : 1;
  } catch (const std::exception& e) {
    fail(std::string("a transformer threw: ") + e.what());
  } catch (...) {
    fail("a transformer threw an exception that is not a std::exception");
  }
  return 1;
}

// A datum's transformer in the direction no overload was written for.
inline int no_transformer(const char* what) noexcept {
  fail(std::string("the transform file has no transformer for ") + what);
  return 1;
}

// Destroys a datum's objects and leaves it empty but valid, so that the destructor the
// program registered at exit finds nothing to free twice.
template <class T>
void discard_root(void* object) noexcept {
  try {
    reset(*static_cast<T*>(object));
  } catch (...) {
  }
}

// Fills every deferred slot and placeholder; false (with the reason) if an old object was
// referred to but never migrated.
inline bool resolve() {
  MigrationState& s = state();
  for (const DeferredSlot& d : s.deferred) {
    void* moved = moved_to(d.old);
    if (!moved) {
      int status = 0;
      char* text = abi::__cxa_demangle(d.type, nullptr, nullptr, &status);
      std::string type = status == 0 && text ? text : d.type;
      std::free(text);
      return fail("a pointer to the old " + type + " at " + std::to_string(reinterpret_cast<std::uintptr_t>(d.old)) +
                  " was forwarded, but nothing migrates that object (is it owned by a raw pointer? migrate its "
                  "owner, or set the pointer by hand)");
    }
    *d.slot = moved;
  }
  if (s.placeholders.empty()) return true;
  std::vector<bool> placed(s.placeholders.size(), false);
  std::vector<std::pair<void*, std::size_t>> built = s.built;
  for (const auto& [start, r] : s.ranges) built.emplace_back(r.to, r.count * r.to_size);
  for (auto [begin, size] : built) {
    auto* words = static_cast<std::uintptr_t*>(begin);
    for (std::size_t i = 0; i < size / sizeof(std::uintptr_t); ++i) {
      if ((words[i] & kPlaceholderMask) != kPlaceholderTag) continue;
      std::size_t index = (words[i] & ~kPlaceholderMask) >> 3;
      if (index >= s.placeholders.size()) continue;
      void* target = moved_to(s.placeholders[index].old);
      if (!target) return fail("forward(): an old object was referred to but nothing migrates it");
      words[i] = reinterpret_cast<std::uintptr_t>(target);
      placed[index] = true;
    }
  }
  for (std::size_t i = 0; i < placed.size(); ++i)
    if (!placed[i])
      return fail("forward() gave out a pointer to an object not migrated yet, and it was stored where the runtime "
                  "cannot find it (use hotswap::forward_to(slot, old) for it)");
  return true;
}

}  // namespace hotswap::detail

// ---- Entry points the runtime calls (docs/patch-format.md, "migrations") ----

extern "C" void hotswap_migration_begin() {
  hotswap::detail::MigrationState& s = hotswap::detail::state();
  s.forwarded.clear();
  s.ranges.clear();
  s.built.clear();
  s.element_noted = false;
  s.deferred.clear();
  s.placeholders.clear();
  for (auto& [type, count] : s.counts) count = 0;
  s.shared.clear();
  s.error.clear();
  s.active = true;
}

// 0 when every forwarded pointer found its object; the error text otherwise.
extern "C" int hotswap_migration_end() {
  hotswap::detail::MigrationState& s = hotswap::detail::state();
  bool ok = false;
  try {
    ok = hotswap::detail::resolve();
  } catch (...) {
    hotswap::detail::fail("out of memory while forwarding pointers");
  }
  s.shared.clear();
  s.forwarded.clear();
  s.ranges.clear();
  s.built.clear();
  s.built.shrink_to_fit();
  s.deferred.clear();
  s.placeholders.clear();
  s.active = false;
  return ok ? 0 : 1;
}

extern "C" const char* hotswap_migration_error() { return hotswap::detail::state().error.c_str(); }

// "app::Session 1000, app::Item 5000": objects migrated per type by the last migration.
extern "C" const char* hotswap_migration_counts() {
  static std::string text;
  text.clear();
  std::map<std::string, std::size_t> sorted(hotswap::detail::state().counts.begin(),
                                            hotswap::detail::state().counts.end());
  for (const auto& [type, count] : sorted)
    if (count) text += (text.empty() ? "" : ", ") + type + " " + std::to_string(count);
  return text.c_str();
}
