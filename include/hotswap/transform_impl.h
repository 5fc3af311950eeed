// <hotswap/transform_impl.h>: the definitions of <hotswap/transform.h>, and the entry points
// the runtime calls. `hotswap diff` includes it after the transform file, so that the
// templates below see every hotswap_transform overload the file declares (name lookup from
// a template's definition). Not for use anywhere else: it defines extern "C" functions.
#pragma once

#include <cxxabi.h>
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <forward_list>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <hotswap/transform.h>

extern "C" void __lsan_ignore_object(const void* p) __attribute__((weak));

namespace hotswap {
namespace {
namespace migration_detail {

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

// Standard types that own what they hold on the heap: moved whole when their type did not
// change, so their elements stay where they are (and pointers to them stay valid).
template <class T>
inline constexpr bool is_owning_std_v =
    is_instance_v<T, std::vector> || is_instance_v<T, std::deque> || is_instance_v<T, std::list> ||
    is_instance_v<T, std::forward_list> || is_instance_v<T, std::map> || is_instance_v<T, std::multimap> ||
    is_instance_v<T, std::set> || is_instance_v<T, std::multiset> || is_instance_v<T, std::unordered_map> ||
    is_instance_v<T, std::unordered_set> || is_instance_v<T, std::unique_ptr> || is_instance_v<T, std::shared_ptr> ||
    is_instance_v<T, std::basic_string>;

// `hotswap diff` compiles the unit with hotswap_old defined as a name of the patch's own
// (docs/type-updates.md); messages say hotswap_old, as the transform file does.
#define HOTSWAP_DETAIL_SPELL(x) #x
#define HOTSWAP_DETAIL_NAME(x) HOTSWAP_DETAIL_SPELL(x)
inline std::string as_the_file_says(std::string name) {
  const std::string compiled = HOTSWAP_DETAIL_NAME(hotswap_old), spelled = "hotswap_old";
  if (compiled == spelled) return name;
  for (std::size_t at = name.find(compiled); at != std::string::npos; at = name.find(compiled, at + spelled.size()))
    name.replace(at, compiled.size(), spelled);
  return name;
}

inline std::string type_name(const std::type_info* type) {
  int status = 0;
  char* text = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string out = status == 0 && text ? text : type->name();
  std::free(text);
  return as_the_file_says(std::move(out));
}

// Whether a T can really be copied: the standard containers declare a copy assignment
// whatever their elements, so their elements decide.
// (An element is copied by construction: a map's pair<const K, V> cannot be assigned, but
// can be copied when K and V can.)
template <class T, class = void>
struct copy_constructible_deep : std::bool_constant<std::is_copy_constructible_v<T>> {};
template <class T>
struct copy_constructible_deep<T, std::void_t<typename T::value_type>>
    : std::bool_constant<std::is_copy_constructible_v<T> && copy_constructible_deep<typename T::value_type>::value> {};
template <class A, class B>
struct copy_constructible_deep<std::pair<A, B>, void>
    : std::bool_constant<copy_constructible_deep<std::remove_const_t<A>>::value &&
                         copy_constructible_deep<B>::value> {};
template <class T>
inline constexpr bool copyable_v = std::is_copy_assignable_v<T> && copy_constructible_deep<T>::value;

template <class T>
std::string type_name() {
  return type_name(&typeid(T));
}

// Placeholders forward() hands out for objects not migrated yet: non-canonical addresses
// (tagged per migration), which no object has and which fault if dereferenced before they
// are replaced.
constexpr std::uintptr_t kPlaceholderMask = std::uintptr_t{0xffff} << 48;

inline void* placeholder(std::size_t index) { return reinterpret_cast<void*>(state().tag | (index << 3)); }

// Whether the transform file declares hotswap_transform(const From&, To&) (looked up here,
// after the file: every overload it declares is visible).
template <class From, class To>
inline constexpr bool has_overload = requires(const From& f, To& t) {
  { hotswap_transform(f, t) } -> std::convertible_to<bool>;
};

template <class From, class To>
inline constexpr bool by_overload = std::is_class_v<From> && std::is_class_v<To> && has_overload<From, To>;

// A function type's result and parameters, whatever its qualifiers: noexcept and a member
// function's cv and ref qualifiers change neither how it is called nor its entry, and DWARF
// records neither noexcept nor ref qualifiers, so an old layout's spelling lacks them.
template <class...>
struct type_list {};
template <class F>
struct call_shape {};
#define HOTSWAP_DETAIL_CALL_SHAPE(QUALIFIERS)                      \
  template <class R, class... A>                                  \
  struct call_shape<R(A...) QUALIFIERS> {                         \
    using result = R;                                             \
    using parameters = type_list<A...>;                           \
    static constexpr bool variadic = false;                       \
  };                                                              \
  template <class R, class... A>                                  \
  struct call_shape<R(A..., ...) QUALIFIERS> {                    \
    using result = R;                                             \
    using parameters = type_list<A...>;                           \
    static constexpr bool variadic = true;                        \
  };
#define HOTSWAP_DETAIL_CALL_SHAPES(REF)                          \
  HOTSWAP_DETAIL_CALL_SHAPE(REF)                                  \
  HOTSWAP_DETAIL_CALL_SHAPE(const REF)                            \
  HOTSWAP_DETAIL_CALL_SHAPE(volatile REF)                         \
  HOTSWAP_DETAIL_CALL_SHAPE(const volatile REF)                   \
  HOTSWAP_DETAIL_CALL_SHAPE(REF noexcept)                         \
  HOTSWAP_DETAIL_CALL_SHAPE(const REF noexcept)                   \
  HOTSWAP_DETAIL_CALL_SHAPE(volatile REF noexcept)                \
  HOTSWAP_DETAIL_CALL_SHAPE(const volatile REF noexcept)
HOTSWAP_DETAIL_CALL_SHAPES()
HOTSWAP_DETAIL_CALL_SHAPES(&)
HOTSWAP_DETAIL_CALL_SHAPES(&&)
#undef HOTSWAP_DETAIL_CALL_SHAPES
#undef HOTSWAP_DETAIL_CALL_SHAPE

template <class F, class T>
constexpr bool same_call();
template <class F, class T>
struct same_instance;
template <class From, class To>
constexpr bool same_member_function();

// Whether a type an old function's signature names and the one the new signature names at
// the same place are one type as far as a call goes: the same type, a changed class's old
// layout and the new class (the update redirects every user of it), an enum with the same
// underlying type, or pointers, references, functions and template instances built alike
// from such pairs. Anything else (int -> double, A* -> B*) is passed differently or means
// something else: a function's address cannot carry on into it.
template <class F, class T>
constexpr bool same_in_a_call() {
  if constexpr (std::is_same_v<F, T>) {
    return true;
  } else if constexpr (!std::is_same_v<F, std::remove_cv_t<F>> || !std::is_same_v<T, std::remove_cv_t<T>>) {
    // const and volatile at any level change no register or offset (and hotswap diff,
    // reading DWARF, sees through them as well)
    return same_in_a_call<std::remove_cv_t<F>, std::remove_cv_t<T>>();
  } else if constexpr (std::is_function_v<F> && std::is_function_v<T>) {
    return same_call<F, T>();  // a template argument (std::function<void(Item&)>)
  } else if constexpr (std::is_enum_v<F> && std::is_enum_v<T>) {
    return std::is_same_v<std::underlying_type_t<F>, std::underlying_type_t<T>>;
  } else if constexpr (std::is_class_v<F> && std::is_class_v<T>) {
    return has_overload<F, T> || same_instance<F, T>::value;
  } else if constexpr ((std::is_pointer_v<F> && std::is_pointer_v<T>) ||
                       (std::is_lvalue_reference_v<F> && std::is_lvalue_reference_v<T>) ||
                       (std::is_rvalue_reference_v<F> && std::is_rvalue_reference_v<T>)) {
    using FP = std::remove_reference_t<std::remove_pointer_t<F>>;
    using TP = std::remove_reference_t<std::remove_pointer_t<T>>;
    if constexpr (std::is_function_v<FP> && std::is_function_v<TP>) return same_call<FP, TP>();
    else return same_in_a_call<FP, TP>();
  } else if constexpr (std::is_array_v<F> && std::is_array_v<T>) {
    return std::extent_v<F> == std::extent_v<T> &&
           same_in_a_call<std::remove_extent_t<F>, std::remove_extent_t<T>>();
  } else if constexpr (std::is_member_function_pointer_v<F> && std::is_member_function_pointer_v<T>) {
    return same_member_function<F, T>();
  } else {
    return false;
  }
}

// Two instances of one class template whose arguments pair up as above
// (std::vector<hotswap_old::Item>& in an old signature, std::vector<Item>& in the new).
template <class F, class T>
struct same_instance : std::false_type {};
template <template <class...> class Template, class... A, class... B>
  requires(sizeof...(A) == sizeof...(B))
struct same_instance<Template<A...>, Template<B...>> : std::bool_constant<(... && same_in_a_call<A, B>())> {};
// A type and a size (std::array<Item, 4>, std::span<Item, 4>, a pool's <Item, 4>).
template <template <class, std::size_t> class Template, class A, class B, std::size_t N>
struct same_instance<Template<A, N>, Template<B, N>> : std::bool_constant<same_in_a_call<A, B>()> {};
template <template <class, int> class Template, class A, class B, int N>
struct same_instance<Template<A, N>, Template<B, N>> : std::bool_constant<same_in_a_call<A, B>()> {};

template <class F, class T>
struct same_parameters : std::false_type {};
template <class... A, class... B>
  requires(sizeof...(A) == sizeof...(B))
struct same_parameters<type_list<A...>, type_list<B...>> : std::bool_constant<(... && same_in_a_call<A, B>())> {};

// Whether an old function type and a new one are called alike (same_in_a_call, result and
// each parameter).
template <class F, class T>
constexpr bool same_call() {
  using From = call_shape<F>;
  using To = call_shape<T>;
  if constexpr (requires { typename From::result; typename To::result; })
    return From::variadic == To::variadic && same_in_a_call<typename From::result, typename To::result>() &&
           same_parameters<typename From::parameters, typename To::parameters>::value;
  else
    return false;
}

// The class a pointer to member function belongs to, and the function's type.
template <class T>
struct member_function_owner {};
template <class F, class C>
struct member_function_owner<F C::*> {
  using type = C;
  using function = F;
};
// Two pointers to member functions of one class (or of a changed class's old layout and the
// new class) called alike (same_call): the same bits carry on, checked when copied (a
// virtual function's slot or an adjustment for a base is refused there).
template <class From, class To>
constexpr bool same_member_function() {
  if constexpr (std::is_member_function_pointer_v<From> && std::is_member_function_pointer_v<To>) {
    using F = member_function_owner<From>;
    using T = member_function_owner<To>;
    return sizeof(From) == sizeof(To) &&
           (std::is_same_v<typename F::type, typename T::type> || by_overload<typename F::type, typename T::type>) &&
           same_call<typename F::function, typename T::function>();
  } else {
    return false;
  }
}

// A type without const or volatile at any pointer level: objects are recorded by what they
// are (an element of a std::vector<Item*> is an Item*), and a `const Item**` looks for one.
template <class T>
struct unqualified_ {
  using type = std::remove_cv_t<T>;
};
template <class T>
struct unqualified_<T*> {
  using type = typename unqualified_<std::remove_cv_t<T>>::type*;
};
template <class T>
using unqualified = typename unqualified_<std::remove_cv_t<T>>::type;

// Records that the old object `from` moved to `to`.
template <class From, class To>
void note(const From* from, To* to) {
  MigrationState& s = state();
  s.noted.push_back({from, &typeid(unqualified<From>), sizeof(From), to, sizeof(To)});
  if (s.indexed) s.forwarded.insert(from, &typeid(unqualified<From>), to);
  s.spans.clear();  // rebuilt when next asked
  s.span_reach.clear();
}

// Records that `count` elements at `from` moved to `to`.
template <class From, class To>
void note_elements(const From* from, To* to, std::size_t count) {
  if (count)
  {
    MigrationState& s = state();
    s.ranges.push_back({&typeid(unqualified<From>), reinterpret_cast<const char*>(from), sizeof(From), reinterpret_cast<char*>(to),
                        sizeof(To), count});
    s.spans.clear();  // rebuilt when next asked
    s.span_reach.clear();
  }
}

// The forwarding table, from what was noted so far.
inline void index() {
  MigrationState& s = state();
  for (const MigrationState::Noted& n : s.noted) s.forwarded.insert(n.from, n.type, n.to);
  s.indexed = true;
}

// The range of old elements of type `type` that starts last at or before `address`
// (`type` null: of any type), or nullptr.
inline const ElementRange* range_of(const void* address, const std::type_info* type) {
  MigrationState& s = state();
  if (s.ranges.empty()) return nullptr;
  auto key = [](const ElementRange& r) { return std::make_pair(reinterpret_cast<std::uintptr_t>(r.type), r.from); };
  // A sorted prefix and an unsorted tail, sorted again only once the tail has grown to an
  // eighth of the whole: lookups between appends stay cheap (no sort per forward()).
  std::size_t tail = s.ranges.size() - s.sorted_ranges;
  if (tail > 64 && tail * 8 > s.ranges.size()) {
    std::sort(s.ranges.begin(), s.ranges.end(), [&](const ElementRange& a, const ElementRange& b) { return key(a) < key(b); });
    s.sorted_ranges = s.ranges.size();
  }
  auto at = static_cast<const char*>(address);
  if (type) {
    const ElementRange* best = nullptr;
    auto sorted_end = s.ranges.begin() + static_cast<std::ptrdiff_t>(s.sorted_ranges);
    auto it = std::upper_bound(s.ranges.begin(), sorted_end, std::make_pair(reinterpret_cast<std::uintptr_t>(type), at),
                               [&](const auto& k, const ElementRange& r) { return k < key(r); });
    if (it != s.ranges.begin() && (it - 1)->type == type) best = &*(it - 1);
    for (auto r = sorted_end; r != s.ranges.end(); ++r)  // the tail: the latest, closest start wins
      if (r->type == type && r->from <= at && (!best || r->from > best->from)) best = &*r;
    return best;
  }
  return nullptr;
}


// Whether `address` lies inside any old object or element the migration moved from.
inline bool inside_old(const void* address) {
  MigrationState& s = state();
  if (s.spans.empty()) {  // any type: for the stack check, every old object and element
    for (const ElementRange& r : s.ranges)
      s.spans.emplace_back(reinterpret_cast<std::uintptr_t>(r.from),
                           reinterpret_cast<std::uintptr_t>(r.from) + r.count * r.from_size);
    for (const MigrationState::Noted& n : s.noted)
      s.spans.emplace_back(reinterpret_cast<std::uintptr_t>(n.from),
                           reinterpret_cast<std::uintptr_t>(n.from) + n.from_size);
    if (s.spans.empty()) return false;
    std::sort(s.spans.begin(), s.spans.end());
    std::uintptr_t reach = 0;
    for (const auto& span : s.spans) s.span_reach.push_back(reach = std::max(reach, span.second));
  }
  auto p = reinterpret_cast<std::uintptr_t>(address);
  auto it = std::upper_bound(s.spans.begin(), s.spans.end(), std::make_pair(p, ~std::uintptr_t{0}));
  return it != s.spans.begin() && s.span_reach[static_cast<std::size_t>(it - s.spans.begin()) - 1] > p;
}

// Where the old object of type `type` at `old` moved, or nullptr: an object of its own, or
// an element.
inline void* moved_to(const void* old, const std::type_info* type) {
  MigrationState& s = state();
  if (!old) return nullptr;
  if (!s.indexed) index();
  if (void* moved = s.forwarded.find(old, type)) return moved;
  const ElementRange* r = range_of(old, type);
  if (!r) return nullptr;
  auto offset = static_cast<std::size_t>(static_cast<const char*>(old) - r->from);
  if (offset >= r->count * r->from_size || offset % r->from_size) return nullptr;
  return r->to + offset / r->from_size * r->to_size;
}

// Records the calling thread's stack bounds (before the pause: the C library may read
// /proc for the main thread's).
inline void find_stack() {
  MigrationState& s = state();
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* low = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &low, &size) == 0) {
    s.stack_low = reinterpret_cast<std::uintptr_t>(low);
    s.stack_high = s.stack_low + size;
  }
  pthread_attr_destroy(&attr);
}

// Whether `address` lies on the calling thread's stack: a transformer's temporary, which
// will be gone when the migration ends (nothing may be recorded about it). With the
// bounds unknown, the frames near the stack pointer (heap memory may lie just above a
// thread's stack: a guess can only be narrow).
inline bool on_this_stack(const void* address) {
  MigrationState& s = state();
  auto at = reinterpret_cast<std::uintptr_t>(address);
  if (s.stack_high) return at >= s.stack_low && at < s.stack_high;
  char here;
  auto top = reinterpret_cast<std::uintptr_t>(&here);
  return at >= top - 4096 && at < top + (std::uintptr_t{64} << 10);
}

// Moves an unchanged member out of the old object, recording how to move it back (the
// record first: if it cannot be made, nothing moved). Into a temporary it copies instead:
// a move could not be undone once the temporary is gone.
template <class T>
bool move_out(const T& from, T& to) {
  if (on_this_stack(&to)) {
    if constexpr (copyable_v<T>) {
      to = from;
      return true;
    } else {
      return fail("a " + type_name<T>() + " that cannot be copied was transformed into a temporary: its move "
                  "could not be undone if the update fails; transform it into the new object's own member");
    }
  }
  T& source = const_cast<T&>(from);  // the old objects are the runtime's to take apart
  state().undo.push_back({&source, &to, [](void* f, void* t) { *static_cast<T*>(f) = std::move(*static_cast<T*>(t)); }});
  to = std::move(source);
  return true;
}

template <class From, class To>
constexpr bool transformable();

// Whether an object behind a pointer is of exactly its pointer's class, when that class has
// virtual functions and is the program's own (going back, the new release's): an object of
// a derived class cannot be rebuilt as the base. (Going forward the old class is a plain
// struct; the vtable pointer check in transform() does this.)
template <class T>
bool of_its_class(const T& object) {
  if constexpr (std::is_polymorphic_v<T>) {
    if (typeid(object) != typeid(T))
      return fail("an object of " + type_name(&typeid(object)) + " behind a pointer to " + type_name<T>() +
                  " cannot be rebuilt as a " + type_name<T>() + ": migrate it in its owner's transformer, by hand");
  }
  return true;
}

// Room for one more record, growing geometrically (reserve(size + 1) would copy the whole
// table at every call: quadratic in the objects migrated).
template <class T>
void room_for_one(PageVector<T>& table) {
  if (table.size() == table.capacity()) table.reserve(std::max<std::size_t>(64, table.capacity() * 2));
}

template <class From, class To>
bool transform_elements(const From* from, To* to, std::size_t count) {
  note_elements(from, to, count);
  for (std::size_t i = 0; i < count; ++i) {
    if constexpr (by_overload<From, To>) state().element_noted = true;  // only these would note themselves
    if (!hotswap::transform(from[i], to[i])) return false;
  }
  return true;
}

// Whether a value is a class that only a generated hotswap_reset can empty (no default
// constructor here: it holds a map keyed by an old layout, and the generated file marks it
// with hotswap_keyed_by_old_layout), or a pair holding one. Such
// elements cannot be destroyed here at all (the map's disabled std::hash has no destructor),
// so neither can a container of them.
template <class V>
constexpr bool emptied_by_overload() {
  if constexpr (is_instance_v<V, std::pair>)
    return emptied_by_overload<std::remove_const_t<typename V::first_type>>() ||
           emptied_by_overload<typename V::second_type>();
  else if constexpr (std::is_class_v<V>)  // the generated file marks each such class
    return requires(V* v) {
      { hotswap_keyed_by_old_layout(v) } -> std::same_as<V*>;
    };
  else
    return false;
}

template <class T>
void reset(T& object) {
  if constexpr (std::is_array_v<T>) {
    for (auto& element : object) reset(element);
  } else if constexpr (requires { requires emptied_by_overload<typename T::value_type>(); }) {
    static_assert(always_false<T>,
                  "hotswap: a container of old layouts that hold a std::unordered_map keyed by an old layout cannot "
                  "be emptied after the update: the key's std::hash is disabled here, so nothing can destroy its "
                  "elements. Give the transform file a std::hash for the old key (noexcept as the old release's)");
  } else if constexpr (std::is_default_constructible_v<T>) {
    std::destroy_at(&object);
    ::new (static_cast<void*>(&object)) T();
  } else if constexpr (requires { object.clear(); }) {
    // A map keyed by an old layout has no default constructor (std::hash<hotswap_old::Key>
    // is disabled) nor destructor here: emptied in place, it frees its elements once.
    object.clear();
  } else if constexpr (requires { hotswap_reset(object); }) {
    hotswap_reset(object);  // an old layout that holds such a map: member by member (generated)
  } else {
    static_assert(std::is_trivially_destructible_v<T>,
                  "hotswap: an instance of this type cannot be emptied after the update (it has no default "
                  "constructor here, nor clear()): its exit destructor would free what moved. Give the "
                  "transform file what it lacks (e.g. std::hash<hotswap_old::...> for a map's old key)");
  }
}

template <class From, class To>
constexpr bool transformable();

// Whether a pointer to F can be forwarded to a pointer to T: the same object (an unchanged
// type), or the new object of a changed class (its transformer says which). Never any other
// pair: a member retyped from A* to B*, or a reordered variant<A*, B*>, would get the object
// A moved to as a B.
template <class F, class T>
constexpr bool pointee_forwardable_() {
  using From = std::remove_cv_t<F>;
  using To = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<From, To> || by_overload<From, To>)
    return true;
  else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To>)
    // A pointer to a pointer of a changed class (C's `conn **conns`, a queue's `**last`):
    // it goes to where that pointer moved, if something migrated it.
    return pointee_forwardable_<std::remove_pointer_t<From>, std::remove_pointer_t<To>>();
  else
    return false;
}
template <class F, class T>
inline constexpr bool pointee_forwardable = pointee_forwardable_<F, T>();

// Whether alternative F of an old variant becomes alternative T of the new one, at the same
// index: the same type (built in place, or moved in whole), or a
// changed one with a way to migrate it (its transformer, a container of it, a pointer to
// it) into a default-constructed T. Never an arithmetic conversion: variant<int, long> ->
// variant<long, int> is a reordering, not two conversions.
template <class F, class T>
constexpr bool alternative_transformable() {
  if constexpr (std::is_same_v<F, T>) {
    return std::is_default_constructible_v<T> || std::is_move_constructible_v<T> || std::is_copy_constructible_v<T>;
  } else if constexpr ((std::is_arithmetic_v<F> || std::is_enum_v<F>) && (std::is_arithmetic_v<T> || std::is_enum_v<T>)) {
    return false;
  } else {
    return std::is_default_constructible_v<T> && transformable<F, T>();
  }
}

// A variant's alternatives, pairwise, in the same order. One side may have more at its end
// (alternatives appended by the new release, or going back, held by none of the new values):
// a value holding one of those fails the migration when it is met.
template <class From, class To, std::size_t... I>
constexpr bool variant_transformable(std::index_sequence<I...>) {
  return (... && alternative_transformable<std::variant_alternative_t<I, From>, std::variant_alternative_t<I, To>>());
}

// Whether transform(From, To) has a way: the same choices as transform() below, answered
// without instantiating it (a datum whose inverse is missing cannot be reverted; one whose
// transformer is missing is refused at diff time).
template <class From, class To>
constexpr bool transformable() {
  if constexpr (by_overload<From, To> || same_member_function<From, To>()) {
    return true;
  } else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To>) {
    using F = std::remove_pointer_t<From>;
    using T = std::remove_pointer_t<To>;
    if constexpr (std::is_function_v<F> || std::is_function_v<T>)
      return std::is_function_v<F> && std::is_function_v<T> && same_call<F, T>();
    else return pointee_forwardable<F, T>;
  } else if constexpr (std::is_same_v<From, To>) {
    if constexpr (is_instance_v<To, std::unique_ptr>) return true;
    else return std::is_trivially_copyable_v<To> || is_owning_std_v<To> || is_instance_v<To, std::atomic> ||
                is_lock_v<To> || std::is_move_assignable_v<To> || std::is_copy_assignable_v<To>;
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
  } else if constexpr (is_instance_v<From, std::variant> && is_instance_v<To, std::variant>) {
    return variant_transformable<From, To>(
        std::make_index_sequence<std::min(std::variant_size_v<From>, std::variant_size_v<To>)>{});
  } else if constexpr ((is_instance_v<From, std::map> && is_instance_v<To, std::map>) ||
                       (is_instance_v<From, std::unordered_map> && is_instance_v<To, std::unordered_map>)) {
    if constexpr (std::is_same_v<typename From::key_type, typename To::key_type>)
      return transformable<typename From::mapped_type, typename To::mapped_type>();
    else
      // A pointer key could be filled only once its object moved, after the map placed it.
      return std::is_default_constructible_v<typename To::key_type> && !std::is_pointer_v<typename To::key_type> &&
             transformable<typename From::key_type, typename To::key_type>() &&
             transformable<typename From::mapped_type, typename To::mapped_type>();  // keys_ordered: at run time
  } else if constexpr (is_instance_v<From, std::unique_ptr> && is_instance_v<To, std::unique_ptr>) {
    using F = typename From::element_type;
    using T = typename To::element_type;
    if constexpr (std::is_array_v<F> || std::is_array_v<T> ||
                  !std::is_same_v<typename To::deleter_type, std::default_delete<T>>)
      return false;
    else
      return std::is_default_constructible_v<T> && transformable<F, T>();
  } else if constexpr (is_instance_v<From, std::shared_ptr> && is_instance_v<To, std::shared_ptr>) {
    using F = typename From::element_type;
    using T = typename To::element_type;
    if constexpr (std::is_array_v<F> || std::is_array_v<T>) return false;
    else return std::is_default_constructible_v<T> && transformable<F, T>();
  } else {
    return false;
  }
}

}  // namespace migration_detail

template <class To, class From>
bool convert(const From& from, To& to) {
  if (!fits<To>(from))
    return migration_detail::fail("a value of type " + migration_detail::type_name<From>() + " does not fit in " +
                        migration_detail::type_name<To>());
  if constexpr (std::is_enum_v<From> && !std::is_enum_v<To>)
    to = static_cast<To>(static_cast<std::underlying_type_t<From>>(from));
  else
    to = static_cast<To>(from);
  return true;
}

template <class New, class Old>
New* forward(const Old* old) {
  if (!old) return nullptr;
  migration_detail::MigrationState& s = migration_detail::state();
  if (void* moved = migration_detail::moved_to(old, &typeid(migration_detail::unqualified<Old>))) return static_cast<New*>(moved);
  s.placeholders.push_back({old, &typeid(migration_detail::unqualified<Old>)});
  return static_cast<New*>(migration_detail::placeholder(s.placeholders.size() - 1));
}

template <class New, class Old>
bool forward_to(New*& slot, const Old* old) {
  if (!old) {
    slot = nullptr;
    return true;
  }
  if (void* moved = migration_detail::moved_to(old, &typeid(migration_detail::unqualified<Old>))) {
    slot = static_cast<New*>(moved);
    return true;
  }
  slot = nullptr;
  if (migration_detail::on_this_stack(&slot))
    return migration_detail::fail("forward_to() into a temporary, for an object not migrated yet: forward into the new "
                        "object's own member");
  // (A pointer to const is a pointer all the same: the slot is filled as any other.)
  migration_detail::state().deferred.push_back(
      {reinterpret_cast<void**>(const_cast<std::remove_cv_t<New>**>(&slot)), old, &typeid(migration_detail::unqualified<Old>)});
  return true;
}

template <class T, class Empty>
bool take(const T& from, T& to, const Empty& empty) {
  static_assert(std::is_trivially_copyable_v<T>, "hotswap::take is for plain members (descriptors, raw pointers)");
  if (migration_detail::on_this_stack(&to))
    return migration_detail::fail("hotswap::take() into a temporary: the value could not be given back if the "
                                  "update fails; take it into the new object's own member");
  T& source = const_cast<T&>(from);  // the objects moved from are the runtime's to take apart
  migration_detail::state().undo.push_back({&source, &to, [](void* f, void* t) { *static_cast<T*>(f) = *static_cast<T*>(t); }});
  to = source;
  source = static_cast<T>(empty);
  return true;
}

template <class New, class Old>
bool migrate_once(const Old* old, New*& slot) {
  using namespace migration_detail;
  using Made = std::remove_cv_t<New>;  // a pointer to const is filled all the same
  static_assert(!std::is_same_v<Made, std::remove_cv_t<Old>>,
                "hotswap::migrate_once is for an object whose type changed; an unchanged one stays where it is");
  static_assert(by_overload<Old, Made>, "hotswap::migrate_once: the transform file has no hotswap_transform for these types");
  if (!old) {
    slot = nullptr;
    return true;
  }
  if (void* moved = moved_to(old, &typeid(Old))) {  // its other owners got there first
    slot = static_cast<New*>(moved);
    return true;
  }
  if (!of_its_class(*old)) return false;
  MigrationState& s = state();
  room_for_one(s.owned);  // the record can be made before anything is built
  Made* made = new Made();
  s.owned.push_back({old, &typeid(Old), made, [](const void* p) { delete static_cast<const Old*>(p); },
                     std::is_polymorphic_v<Old>});
  slot = made;
  return hotswap::transform(*old, *made);  // noted first thing: the owners met later find it
}

template <class T>
bool clear(const T& member) {
  using namespace migration_detail;
  static_assert(std::is_default_constructible_v<T> && std::is_move_constructible_v<T> && std::is_move_assignable_v<T>,
                "hotswap::clear is for members that can be emptied and given back");
  if constexpr (std::is_scalar_v<T>)
    if (member == T()) return true;  // empty already (a connection sending nothing)
  if (on_this_stack(&member))
    return fail("hotswap::clear() of a temporary: clear a member of the object moved from");
  MigrationState& s = state();
  room_for_one(s.undo);  // both records can be made before anything moves
  room_for_one(s.cleared);
  T& source = const_cast<T&>(member);  // the objects moved from are the runtime's to take apart
  T* box = new T(std::move(source));
  // Recorded before the member is emptied: if emptying throws, the update fails and the
  // value goes back.
  s.undo.push_back({&source, box, [](void* f, void* t) {
                      *static_cast<T*>(f) = std::move(*static_cast<T*>(t));
                      delete static_cast<T*>(t);
                    }});
  s.cleared.push_back({box, [](void* b) { delete static_cast<T*>(b); }});
  source = T();
  return true;
}

// The alternative the old variant holds, built in the new one (in place: what is noted of it
// stays where it is) and filled; an unchanged one that cannot be default-constructed is
// copied in. std::get_if, not std::get: std::get can throw, and Clang then puts
// std::bad_variant_access's vtable in the patch, whose slots (the patch's own copies of its
// functions) differ from the running program's, and the patch is refused.
template <std::size_t I, class From, class To>
bool transform_alternative(const From& from, To& to) {
  using namespace migration_detail;
  if constexpr (I >= std::variant_size_v<To>) {
    return fail("a " + type_name<From>() + " holds its alternative " + std::to_string(I) + ", which a " +
                type_name<To>() + " does not have: migrate it by hand");
  } else {
    using F = std::variant_alternative_t<I, From>;
    using T = std::variant_alternative_t<I, To>;
    const F& source = *std::get_if<I>(&from);
    if constexpr (std::is_same_v<F, T> && !std::is_default_constructible_v<T>) {
      // Moved in whole like any unchanged member (what points into it stays valid), with a
      // record to move it back; copied into a temporary, or when a move could throw (half
      // moved, neither side could be trusted).
      if constexpr (std::is_nothrow_move_constructible_v<T>) {
        if (!on_this_stack(&to)) {
          F& taken = const_cast<F&>(source);  // the old objects are the runtime's to take apart
          room_for_one(state().undo);         // so that recording the move cannot fail after it
          to.template emplace<I>(std::move(taken));
          state().undo.push_back({&taken, &to, [](void* f, void* t) {
                                    // Gone only if a transformer emplaced another alternative.
                                    if (T* back = std::get_if<I>(static_cast<To*>(t))) {
                                      std::destroy_at(static_cast<T*>(f));
                                      ::new (f) T(std::move(*back));
                                    }
                                  }});
          return true;
        }
      }
      if constexpr (std::is_copy_constructible_v<T>) {
        to.template emplace<I>(source);
        return true;
      } else {
        return fail("a " + type_name<T>() + " in a variant can be neither moved in nor copied: migrate it by hand");
      }
    } else {
      to.template emplace<I>();
      return hotswap::transform(source, *std::get_if<I>(&to));
    }
  }
}

template <class From, class To, std::size_t... I>
bool transform_held_alternative(const From& from, To& to, std::index_sequence<I...>) {
  bool done = false;
  (void)(... || (from.index() == I && (done = transform_alternative<I>(from, to), true)));
  return done;
}

namespace migration_detail {

// Whether a map can place keys of its key type: std::less and std::equal_to are declared for
// any type and fail only when instantiated, so the operator they use is asked for itself.
// An old layout is a plain struct, without the old release's operator< or hash: a map keyed
// by one is filled (on revert) only where the transform file gives them.
template <class Map>
constexpr bool keys_ordered() {
  using K = typename Map::key_type;
  if constexpr (is_instance_v<Map, std::map>) {
    if constexpr (std::is_same_v<typename Map::key_compare, std::less<K>>)
      return requires(const K& a) {
        { a < a } -> std::convertible_to<bool>;
      };
    else
      return std::is_invocable_r_v<bool, const typename Map::key_compare&, const K&, const K&>;
  } else {
    constexpr bool hashed = std::is_invocable_r_v<std::size_t, const typename Map::hasher&, const K&>;
    if constexpr (std::is_same_v<typename Map::key_equal, std::equal_to<K>>)
      return hashed && requires(const K& a) {
        { a == a } -> std::convertible_to<bool>;
      };
    else
      return hashed && std::is_invocable_r_v<bool, const typename Map::key_equal&, const K&, const K&>;
  }
}

// One entry of a map whose key type changed: the new key is migrated in its own node, which
// then joins the map, so that the objects a key migrates to keep their address (forward()
// may hand it out) and ordering or hashing sees the finished key. The node comes from a map
// with `to`'s allocator, comparator or hasher, so that `to` can take it. Until it joins,
// whatever the transformers recorded about it (a forwarded object, a member moved in, to
// move back) points into it: a node that does not join, on a failure or an exception, is
// kept, known to LeakSanitizer as kept on purpose, never freed under those records.
template <class FromKey, class FromValue, class To>
bool transform_keyed_entry(const FromKey& key, const FromValue& value, To& to, std::string (*map_name)()) {
  using Node = typename To::node_type;
  auto scratch = [&to] {
    if constexpr (is_instance_v<To, std::unordered_map>)
      return To(1, to.hash_function(), to.key_eq(), to.get_allocator());
    else
      return To(to.key_comp(), to.get_allocator());
  }();
  scratch.try_emplace(typename To::key_type{});
  auto held = std::make_unique<Node>(scratch.extract(scratch.begin()));
  struct KeepUnlessPlaced {
    std::unique_ptr<Node>& node;
    bool placed = false;
    ~KeepUnlessPlaced() {
      if (placed || node->empty()) return;
      Node* kept = node.release();
      if (__lsan_ignore_object) __lsan_ignore_object(kept);
    }
  } guard{held};
  MigrationState& s = state();
  std::size_t deferred = s.deferred.size(), placeholders = s.placeholders.size();
  if (!hotswap::transform(key, held->key())) return false;
  // A pointer in the key to an object not migrated yet would be filled in after the map
  // placed the key, under a null or a placeholder: its order or hash would be wrong.
  if (s.deferred.size() != deferred || s.placeholders.size() != placeholders)
    return fail("a key of an old " + map_name() + " points to an object not migrated yet: migrate the map by hand");
  if (to.find(held->key()) != to.end())
    return fail("two keys of an old " + map_name() + " migrate to one new key: migrate the map by hand");
  auto placed = to.insert(std::move(*held));
  if (!placed.inserted) {  // a comparator or hash that disagrees with itself: the node comes back
    *held = std::move(placed.node);
    return fail("a key of an old " + map_name() + " was found and then not placed: migrate the map by hand");
  }
  guard.placed = true;
  return hotswap::transform(value, placed.position->second);
}

}  // namespace migration_detail

namespace migration_detail {
template <class T>
void abandon_root(void* object) noexcept;
}  // namespace migration_detail

template <class T>
void abandon_member(T& member) {
  using Bare = std::remove_cv_t<T>;
  migration_detail::abandon_root<Bare>(static_cast<void*>(const_cast<Bare*>(&member)));
}

template <class T>
void reset_member(T& member) {
  // A const member is emptied too: what it held may have moved to the new object.
  migration_detail::reset(const_cast<std::remove_cv_t<T>&>(member));
}

namespace migration_detail {
// Whether an address is the entry of a function the revert leaves: exactly the start of one
// of the patch's functions (the table the runtime gives), else, from an older runtime, any
// address in its code.
inline bool in_leaving_code(std::uintptr_t address) {
  const MigrationState& s = state();
  if (address < s.leaving_begin || address >= s.leaving_end) return false;
  if (!s.leaving_entries) return true;
  return std::binary_search(s.leaving_entries, s.leaving_entries + s.leaving_entry_count, address);
}

inline bool in_leaving_data(std::uintptr_t address) {
  for (const auto& range : state().leaving_data)
    if (address >= range[0] && address < range[1]) return true;
  return false;
}

// Whether a function's entry leads into the code a revert leaves (MigrationState): a
// pointer to a function, or a pointer to a non-virtual member function (the Itanium pair's
// first word; a virtual one's is a vtable offset, odd).
template <class T>
bool leads_into_leaving_code(const T& entry) {
  const MigrationState& s = state();
  if (s.leaving_begin == s.leaving_end) return false;
  std::uintptr_t address = 0;
  if constexpr (std::is_pointer_v<T> && std::is_function_v<std::remove_pointer_t<T>>) {
    address = reinterpret_cast<std::uintptr_t>(entry);
  } else if constexpr (std::is_member_function_pointer_v<T>) {
    std::memcpy(&address, static_cast<const void*>(&entry), sizeof address);
    if (address & 1) return false;
  } else {
    return false;
  }
  return in_leaving_code(address);
}

// Whether objects of T have a vtable pointer: a class with virtual functions, or one the
// transform file spells itself (declared in no header), its vtable pointer as bytes.
template <class T>
constexpr bool has_vtable() {
  // An incomplete class (a pimpl, DIR behind a std::unique_ptr<DIR, int (*)(DIR*)>) is
  // opaque here: nothing to look into.
  if constexpr (!std::is_class_v<T> || std::is_volatile_v<T> || !requires { sizeof(T); })
    return false;
  else
    return std::is_polymorphic_v<T> || requires { std::declval<T&>().hotswap_vtable_pointer; };
}

// The vtable pointer of the object at `object`. An owner with its own deleter (one that
// does nothing, left dangling) or a std::shared_ptr (which may alias anything) is read so
// that it cannot fault: 0 when nothing is there. A std::unique_ptr with the default
// deleter owns a live object, read directly (a syscall per element would lengthen a
// revert's pause by a microsecond per object).
template <class T>
std::uintptr_t vtable_of(const T* object, bool surely_live) {
  const void* at = object;
  if constexpr (!std::is_polymorphic_v<T>) at = object->hotswap_vtable_pointer;
  std::uintptr_t vptr = 0;
  if (surely_live) {
    std::memcpy(&vptr, at, sizeof vptr);
    return vptr;
  }
  iovec local{&vptr, sizeof vptr}, remote{const_cast<void*>(at), sizeof vptr};
  if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(sizeof vptr)) return vptr;
  if (errno == EFAULT) return 0;              // no object there
  std::memcpy(&vptr, at, sizeof vptr);        // the call is not allowed here: trust the owner
  return vptr;
}

// An owner of one object (not of an array: std::unique_ptr<T[]>, whose array may be empty).
template <class T>
struct owns_one : std::false_type {};
template <class T, class D>
struct owns_one<std::unique_ptr<T, D>> : std::bool_constant<!std::is_array_v<T>> {};
template <class T>
struct owns_one<std::shared_ptr<T>> : std::bool_constant<!std::is_array_v<T>> {};

// Whether a value carried whole (its type did not change) may hold a way into what a
// revert leaves: a function's entry, a std::function, an object with virtual functions
// that it owns (its vtable may be one the patch brought), or a container of them. Raw
// pointers to such objects are not followed: nothing says they are still valid.
template <class T>
constexpr bool may_lead_out() {
  using V = std::remove_cv_t<T>;
  if constexpr (std::is_pointer_v<V> && std::is_function_v<std::remove_pointer_t<V>>)
    return true;
  else if constexpr (std::is_member_function_pointer_v<V> || is_instance_v<V, std::function>)
    return true;
  else if constexpr (owns_one<V>::value)
    return has_vtable<typename V::element_type>();
  else if constexpr (std::is_array_v<V>)
    return may_lead_out<std::remove_extent_t<V>>();
  else if constexpr (is_instance_v<V, std::pair>)
    return may_lead_out<typename V::first_type>() || may_lead_out<typename V::second_type>();
  else if constexpr (is_instance_v<V, std::optional>)
    return may_lead_out<typename V::value_type>();
  else if constexpr (std::is_class_v<V> && std::is_trivially_copyable_v<V> && !is_instance_v<V, std::atomic>)
    return true;  // a plain struct: any of its words may be a function's entry
  else if constexpr (requires(const V& v) {
                       typename V::value_type;
                       v.begin();
                       v.end();
                     })
    return !std::is_same_v<typename V::value_type, V> && may_lead_out<typename V::value_type>();
  else
    return false;
}

// What in `value` leads into what a revert leaves ("" if nothing). Only asked going back.
template <class T>
std::string leaving_entry_in(const T& value) {
  using V = std::remove_cv_t<T>;
  if constexpr (!may_lead_out<V>()) {
    return "";
  } else if constexpr ((std::is_pointer_v<V> && std::is_function_v<std::remove_pointer_t<V>>) ||
                       std::is_member_function_pointer_v<V>) {
    return leads_into_leaving_code(value) ? "a pointer to a function in the patch's code" : "";
  } else if constexpr (is_instance_v<V, std::function>) {
    // libstdc++'s: the manager and invoker of its target's type, and the target itself when
    // it is stored in place (a function pointer, a small lambda's captures). The transform
    // unit is compiled with -fno-access-control, which lets this see them.
    if constexpr (requires { value._M_manager, value._M_invoker, value._M_functor; }) {
      if (!value) return "";
      std::uintptr_t words[sizeof value._M_functor / sizeof(std::uintptr_t)];
      std::memcpy(words, static_cast<const void*>(&value._M_functor), sizeof words);
      bool in = in_leaving_code(reinterpret_cast<std::uintptr_t>(value._M_manager)) ||
                in_leaving_code(reinterpret_cast<std::uintptr_t>(value._M_invoker));
      for (std::uintptr_t word : words) in = in || in_leaving_code(word);
      // The handler may be a library instance only the patch has (the new code made a
      // std::function from an old function, a kind the old release never made): refused
      // all the same, the old code would run it.
      return in ? "a std::function whose handler or target is code only the patch has" : "";
    } else {
      return "";
    }
  } else if constexpr (owns_one<V>::value) {
    if (!value) return "";
    constexpr bool surely_live =
        is_instance_v<V, std::unique_ptr> &&
        std::is_same_v<typename V::deleter_type, std::default_delete<typename V::element_type>>;
    return in_leaving_data(vtable_of(value.get(), surely_live))
               ? "an object of a class the patch brought (its vtable is the patch's)"
               : "";
  } else if constexpr (is_instance_v<V, std::pair>) {
    std::string first = leaving_entry_in(value.first);
    return first.empty() ? leaving_entry_in(value.second) : first;
  } else if constexpr (is_instance_v<V, std::optional>) {
    return value ? leaving_entry_in(*value) : std::string();
  } else if constexpr (std::is_class_v<V> && std::is_trivially_copyable_v<V>) {
    // Its members are not known here: each aligned word is looked at. An entry is an exact
    // address in the patch's code, which a number or a pointer to data hardly ever is.
    std::uintptr_t word = 0;
    for (std::size_t at = 0; at + sizeof word <= sizeof(V); at += alignof(std::uintptr_t)) {
      std::memcpy(&word, reinterpret_cast<const unsigned char*>(std::addressof(value)) + at, sizeof word);
      if (in_leaving_code(word)) return "a pointer to a function in the patch's code";
    }
    return "";
  } else {
    for (const auto& element : value)
      if (std::string found = leaving_entry_in(element); !found.empty()) return found;
    return "";
  }
}
}  // namespace migration_detail

template <class From, class To>
bool transform(const From& from, To& to) {
  using namespace migration_detail;
  if constexpr (std::is_member_function_pointer_v<From> ||
                (std::is_pointer_v<From> && std::is_function_v<std::remove_pointer_t<From>>)) {
    if (leads_into_leaving_code(from))
      return fail("a pointer to a function leads into the patch's code (a function the new release added, or "
                  "gave a new signature): going back, the old code would call the new one");
  } else if constexpr (std::is_same_v<std::remove_cv_t<From>, std::remove_cv_t<To>> && may_lead_out<From>()) {
    // Carried whole (its type did not change): what it holds is looked at going back.
    if (state().leaving_begin != state().leaving_end)
      if (std::string found = leaving_entry_in(from); !found.empty())
        return fail("a " + type_name<From>() + " holds " + found +
                    " (a function or class the new release added): going back, the old code would call the new one");
  }
  if constexpr (std::is_const_v<To>) {
    // A const member of a new object: written once, here, before anything reads it.
    return transform(from, const_cast<std::remove_const_t<To>&>(to));
  } else if constexpr (by_overload<From, To>) {
    if constexpr (std::is_polymorphic_v<To>) {
      // `to` was built as a To, with the vtable the running program has for To (the patch
      // binds type identity to it); the old object must have the same one, or it is of
      // another class (a derived one, behind a pointer to To) that a To cannot stand for.
      if (std::memcmp(static_cast<const void*>(&from), static_cast<const void*>(&to), sizeof(void*)) != 0) {
        state().element_noted = false;
        return fail("an old " + type_name<To>() +
                    " is an object of another class (a derived one?): its vtable is not the one a new " +
                    type_name<To>() + " gets; migrate it in its owner's transformer, by hand");
      }
    }
    if constexpr (std::is_polymorphic_v<From> && requires { to.hotswap_vtable_pointer; }) {
      // Back into an old layout, a plain struct with the vtable pointer as bytes: it gets the
      // new object's, the running program's vtable for the class (checked going forward),
      // whatever the overload itself writes.
      static_assert(sizeof(to.hotswap_vtable_pointer) == sizeof(void*));
      std::memcpy(to.hotswap_vtable_pointer, static_cast<const void*>(&from), sizeof(void*));
    }
    if (state().element_noted) state().element_noted = false;  // its range is noted
    else note(&from, &to);
    static std::size_t& migrated = state().counts[type_name<To>()];  // never erased: zeroed per migration
    ++migrated;
    return hotswap_transform(from, to);
  } else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To> &&
                       std::is_function_v<std::remove_pointer_t<From>> &&
                       std::is_function_v<std::remove_pointer_t<To>>) {
    // A function's address: its entry, which the update redirects to the new code (or to a
    // stub, for a signature that changed). Its type may differ only in the changed types it
    // mentions (int (*)(hotswap_old::conn*) -> int (*)(conn*)): the same address carries on.
    // A pointer retyped otherwise (int -> double) would call the function with the wrong
    // registers: it has no transform (hotswap diff refuses the datum).
    static_assert(same_call<std::remove_pointer_t<From>, std::remove_pointer_t<To>>(),
                  "hotswap: a function pointer carries on only into one called alike (the same parameters and "
                  "result, up to the changed classes they name)");
    to = reinterpret_cast<To>(from);
    return true;
  } else if constexpr (!std::is_same_v<From, To> && same_member_function<From, To>()) {
    // The Itanium C++ ABI's pair: the function's entry (which the update redirects), or one
    // plus its vtable slot's offset for a virtual function, and the adjustment of `this` for
    // a member of a base. Only an entry with no adjustment means the same in both layouts:
    // hotswap diff refuses a pointer into an old class with virtual functions or bases, and a
    // value the new class's code made (going back) is checked here.
    if constexpr (!std::is_same_v<typename member_function_owner<From>::type, typename member_function_owner<To>::type>) {
      static_assert(sizeof(From) == 2 * sizeof(std::ptrdiff_t));
      std::ptrdiff_t bits[2];
      std::memcpy(bits, static_cast<const void*>(&from), sizeof bits);
      if ((bits[0] & 1) || bits[1] != 0)
        return fail("a pointer to " + std::string(bits[0] & 1 ? "a virtual member function" : "a member function of a base") +
                    " of " + type_name<typename member_function_owner<From>::type>() + " names a vtable slot or a base of " +
                    "its layout, which " + type_name<typename member_function_owner<To>::type>() + " does not have");
    }
    std::memcpy(static_cast<void*>(&to), static_cast<const void*>(&from), sizeof to);
    return true;
  } else if constexpr (std::is_pointer_v<From> && std::is_pointer_v<To> &&
                       !std::is_function_v<std::remove_pointer_t<To>>) {
    using FromPointee = std::remove_cv_t<std::remove_pointer_t<From>>;
    using ToPointee = std::remove_cv_t<std::remove_pointer_t<To>>;
    static_assert(pointee_forwardable<FromPointee, ToPointee>,
                  "hotswap: a pointer goes only to the same type, or from an old class to the new one its "
                  "hotswap_transform overload names");
    if constexpr (std::is_same_v<FromPointee, ToPointee>) {
      // An object of an unchanged type: it stays where it is, unless it lies inside an old
      // object that goes (checked when the migration ends).
      to = const_cast<To>(from);
      if (from) state().kept_pointers.push_back(static_cast<const void*>(from));
      return true;
    } else {
      return forward_to(to, from);
    }
  } else if constexpr (std::is_same_v<From, To> && is_instance_v<To, std::atomic>) {
    // Before the trivially copyable case: GCC counts std::atomic as trivially copyable,
    // though it cannot be assigned.
    to.store(from.load());
    return true;
  } else if constexpr (std::is_same_v<From, To> && (std::is_trivially_copyable_v<To> || is_lock_v<To>) &&
                       !std::is_array_v<To>) {
    if constexpr (!is_lock_v<To>) to = from;
    return true;
  } else if constexpr ((std::is_arithmetic_v<From> || std::is_enum_v<From>) &&
                       (std::is_arithmetic_v<To> || std::is_enum_v<To>)) {
    return convert(from, to);
  } else if constexpr (std::is_array_v<From> && std::is_array_v<To>) {
    // One that shrinks keeps its first elements: the others are dropped, like a member the
    // other side lacks (docs/type-updates.md).
    return transform_elements(&from[0], &to[0], std::min(std::extent_v<From>, std::extent_v<To>));
  } else if constexpr (is_std_array<From>::value && is_std_array<To>::value) {
    return transform_elements(from.data(), to.data(), std::min(from.size(), to.size()));
  } else if constexpr (std::is_same_v<From, To> && (is_owning_std_v<To> || std::is_move_assignable_v<To>)) {
    return move_out(from, to);  // unchanged: moved whole, its elements where they were
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
      if (!hotswap::transform(element, *out++)) return false;
    return true;
  } else if constexpr (is_instance_v<From, std::optional> && is_instance_v<To, std::optional>) {
    if (!from) {
      to.reset();
      return true;
    }
    to.emplace();
    return hotswap::transform(*from, *to);
  } else if constexpr (is_instance_v<From, std::pair> && is_instance_v<To, std::pair>) {
    return hotswap::transform(from.first, to.first) && hotswap::transform(from.second, to.second);
  } else if constexpr (is_instance_v<From, std::variant> && is_instance_v<To, std::variant>) {
    static_assert(transformable<From, To>(),
                  "hotswap: two variants migrate alternative by alternative, in the same order (one may have "
                  "more at its end): each the same type, or a changed one that can be migrated into a "
                  "default-constructed new one; write it by hand otherwise");
    if (from.valueless_by_exception())
      return fail("an old " + type_name<From>() + " holds no value (an exception left it so): migrate it by hand");
    return transform_held_alternative(from, to, std::make_index_sequence<std::variant_size_v<From>>{});
  } else if constexpr ((is_instance_v<From, std::map> && is_instance_v<To, std::map>) ||
                       (is_instance_v<From, std::unordered_map> && is_instance_v<To, std::unordered_map>)) {
    if constexpr (std::is_same_v<typename From::key_type, typename To::key_type>) {
      to.clear();
      if constexpr (is_instance_v<To, std::unordered_map>) to.reserve(from.size());
      for (const auto& [key, value] : from) {
        auto [where, inserted] = to.try_emplace(key);
        // Keys equal in the old map may be one key in the new one (a comparator or hash
        // that changed): the second value would overwrite what the first one filled.
        if (!inserted)
          return fail("two keys of an old " + type_name<From>() + " are one key of the new map: migrate it by hand");
        if (!hotswap::transform(value, where->second)) return false;
      }
      return true;
    } else {
      static_assert(std::is_default_constructible_v<typename To::key_type> && !std::is_pointer_v<typename To::key_type>,
                    "hotswap: a map whose key type changed migrates each key into a default-constructed new key "
                    "(not a pointer, which could be filled only once its object moved); write it by hand");
      if constexpr (!keys_ordered<To>()) {
        if (!from.empty())
          return fail("a " + type_name<To>() + " cannot place its keys: " + type_name<typename To::key_type>() +
                      " has no operator< (std::map) or hash and operator== (std::unordered_map) here; an old layout "
                      "has none of the old release's: write them for it in the transform file, or migrate the map by "
                      "hand");
        to.clear();
        return true;
      } else {
        to.clear();
        if constexpr (is_instance_v<To, std::unordered_map>) to.reserve(from.size());
        for (const auto& [key, value] : from)
          if (!transform_keyed_entry(key, value, to, &type_name<From>)) return false;  // named on failure only
        return true;
      }
    }
  } else if constexpr (is_instance_v<From, std::unique_ptr> && is_instance_v<To, std::unique_ptr>) {
    static_assert(transformable<From, To>(),
                  "hotswap: a unique_ptr to an array or with its own deleter cannot be migrated by default");
    if (!from) {
      to.reset();
      return true;
    }
    if (!of_its_class(*from)) return false;
    to = std::make_unique<typename To::element_type>();
    return hotswap::transform(*from, *to);
  } else if constexpr (is_instance_v<From, std::shared_ptr> && is_instance_v<To, std::shared_ptr>) {
    using Target = typename To::element_type;
    MigrationState& s = state();
    // Neither side's control block may be released by this migration (KeptShared).
    if (on_this_stack(&to))
      return fail("a std::shared_ptr of a changed type transformed into a temporary: transform it into the new "
                  "object's own member (its owners are tracked where they are)");
    s.old_shared.push_back({const_cast<From*>(&from), [](void* p) { ::new (p) From(); }});
    s.new_shared.push_back({&to, [](void* p) { ::new (p) To(); }});
    if (!from) {
      ::new (&to) To();
      return true;
    }
    if (auto it = s.shared.find(from.get()); it != s.shared.end()) {  // its other owners keep sharing
      ::new (&to) To(std::static_pointer_cast<Target>(it->second));
      return true;
    }
    if (!of_its_class(*from)) return false;
    auto made = std::make_shared<Target>();
    s.shared[from.get()] = made;
    ::new (&to) To(made);  // `to` was empty: nothing to release
    return hotswap::transform(*from, *made);
  } else {
    static_assert(always_false<From>,
                  "hotswap: no hotswap_transform overload and no default for these two types; write one");
    return false;
  }
}

namespace migration_detail {

// Runs one datum's migration: its transformer, any exception caught and recorded.
template <class From, class To>
int migrate_root(const void* from, void* to) noexcept {
  try {
    return hotswap::transform(*static_cast<const From*>(from), *static_cast<To*>(to)) ? 0 : 1;
  } catch (const std::exception& e) {
    fail(std::string("a transformer threw: ") + e.what());
  } catch (...) {
    fail("a transformer threw an exception that is not a std::exception");
  }
  return 1;
}

// A datum the runtime did not transform (it still held its initial value): where it is now,
// for pointers to it.
template <class From, class To>
void note_root(const void* from, void* to) noexcept {
  try {
    note(static_cast<const From*>(from), static_cast<To*>(to));
  } catch (...) {
  }
}

// A datum's transformer in the direction no overload was written for.
inline int no_transformer(const char* what) noexcept {
  fail(std::string("the transform file has no transformer for ") + what);
  return 1;
}

// Destroys a datum's objects and leaves it empty but valid (value-initialized), so that the
// destructor the program registered at exit finds nothing to free twice.
template <class T>
void discard_root(void* object) noexcept {
  try {
    reset(*static_cast<T*>(object));
  } catch (...) {
  }
}

// After a migration that failed, a new instance that holds objects with virtual functions:
// destroying them now would run the old release's code through their vtables (the running
// program's, whose entries lead to the old code until the update commits). So they are
// abandoned: the instance is built anew over them, and what they own stays allocated.
template <class T>
void abandon_root(void* object) noexcept {
  try {
    if constexpr (std::is_array_v<T>) {
      for (auto& element : *static_cast<T*>(object)) abandon_root<std::remove_reference_t<decltype(element)>>(&element);
    } else if constexpr (std::is_default_constructible_v<T>) {
      // A copy of the abandoned bytes stays, known to LeakSanitizer: what they point to is
      // kept on purpose, not leaked.
      if (void* kept = std::malloc(sizeof(T))) {
        std::memcpy(kept, object, sizeof(T));
        if (__lsan_ignore_object) __lsan_ignore_object(kept);
      }
      ::new (object) T();
    } else if constexpr (requires(T& t) { t.extract(t.begin()); }) {
      // A map keyed by an old layout, which cannot be built anew here: its nodes leave it one
      // by one, each kept by a handle that is never destroyed.
      T& map = *static_cast<T*>(object);
      using Handle = typename T::node_type;
      while (!map.empty()) {
        void* kept = std::malloc(sizeof(Handle));
        if (!kept) std::abort();  // neither destroyable nor left in place: nothing safe remains
        ::new (kept) Handle(map.extract(map.begin()));
        if (__lsan_ignore_object) __lsan_ignore_object(kept);
      }
    } else if constexpr (requires(T& t) { hotswap_abandon(t); }) {
      hotswap_abandon(*static_cast<T*>(object));  // member by member (generated)
    } else {
      static_assert(std::is_trivially_destructible_v<T>,
                    "hotswap: an instance of this type cannot be abandoned after a failed update (it has no "
                    "default constructor here): give the transform file what it lacks (e.g. "
                    "std::hash<hotswap_old::...> for a map's old key)");
    }
  } catch (...) {
  }
}

// Whether `old` lies inside an old object that the migration moved from (which goes).
inline std::string inside_old_object(const void* address) {
  MigrationState& s = state();
  auto at = reinterpret_cast<std::uintptr_t>(address);
  for (const MigrationState::Noted& n : s.noted) {
    auto begin = reinterpret_cast<std::uintptr_t>(n.from);
    if (at >= begin && at < begin + n.from_size) return type_name(n.type);
  }
  for (const ElementRange& r : s.ranges) {
    auto begin = reinterpret_cast<std::uintptr_t>(r.from);
    if (at >= begin && at < begin + r.count * r.from_size) return type_name(r.type);
  }
  return "";
}

// Fills every deferred slot and placeholder, and checks the pointers left as they were;
// false (with the reason) if an old object was referred to but never migrated.
// Whether an object migrate_once() built was migrated again by another way (its owner's
// container or unique_ptr, met after it): it would have two new objects, and be freed twice.
inline bool owned_once() {
  MigrationState& s = state();
  if (s.owned.empty()) return true;
  std::vector<std::pair<const void*, const Owned*>> by_old;
  by_old.reserve(s.owned.size());
  for (const Owned& o : s.owned) by_old.emplace_back(o.old, &o);
  std::sort(by_old.begin(), by_old.end());
  auto twice = [](const std::type_info* type) {
    return fail("an old " + type_name(type) +
                " was given to hotswap::migrate_once and migrated by its owner too (a container's element, a "
                "unique_ptr's, a shared_ptr's): only objects that raw pointers alone own are migrated once; "
                "forward a pointer that does not own its object");
  };
  for (const MigrationState::Noted& n : s.noted) {
    auto it = std::lower_bound(by_old.begin(), by_old.end(), std::make_pair(n.from, static_cast<const Owned*>(nullptr)));
    for (; it != by_old.end() && it->first == n.from; ++it)
      if (*it->second->type == *n.type && it->second->made != n.to) return twice(n.type);
  }
  for (const Owned& o : s.owned)
    if (const ElementRange* r = range_of(o.old, o.type)) {
      auto at = reinterpret_cast<std::uintptr_t>(o.old), begin = reinterpret_cast<std::uintptr_t>(r->from);
      if (at < begin + r->count * r->from_size) return twice(o.type);
    }
  return true;
}

inline bool resolve() {
  MigrationState& s = state();
  if (!owned_once()) return false;
  for (const DeferredSlot& d : s.deferred) {
    void* moved = moved_to(d.old, d.type);
    if (!moved)
      return fail("a pointer to an old " + type_name(d.type) +
                  " was forwarded, but nothing migrates that object (owned by raw pointers? migrate it with "
                  "hotswap::migrate_once where its owners are transformed)");
    *d.slot = moved;
  }
  // A pointer to an object of an unchanged type is left as it was, which is right unless
  // the object lies inside an old object that goes after the update: refuse, never dangle.
  if (!s.kept_pointers.empty()) {
    std::vector<std::pair<std::uintptr_t, std::uintptr_t>> olds;  // [begin, end) of every old object
    for (const MigrationState::Noted& n : s.noted)
      olds.emplace_back(reinterpret_cast<std::uintptr_t>(n.from), reinterpret_cast<std::uintptr_t>(n.from) + n.from_size);
    for (const ElementRange& r : s.ranges)
        olds.emplace_back(reinterpret_cast<std::uintptr_t>(r.from),
                          reinterpret_cast<std::uintptr_t>(r.from) + r.count * r.from_size);
    std::sort(olds.begin(), olds.end());
    std::uintptr_t reach = 0;  // running maximum of the ends: old objects nest
    std::vector<std::uintptr_t> reach_at(olds.size());
    for (std::size_t i = 0; i < olds.size(); ++i) reach_at[i] = reach = std::max(reach, olds[i].second);
    for (const void* p : s.kept_pointers) {
      auto at = reinterpret_cast<std::uintptr_t>(p);
      auto it = std::upper_bound(olds.begin(), olds.end(), std::make_pair(at, ~std::uintptr_t{0}));
      if (it == olds.begin() || reach_at[static_cast<std::size_t>(it - olds.begin()) - 1] <= at) continue;
      return fail("a pointer to an object of an unchanged type points into an old " + inside_old_object(p) +
                  ", which goes after the update: set that pointer by hand in the transform file");
    }
  }
  if (s.placeholders.empty()) return true;
  std::vector<bool> placed(s.placeholders.size(), false);
  std::vector<std::pair<void*, std::size_t>> built;
  for (const MigrationState::Noted& n : s.noted) built.emplace_back(n.to, n.to_size);
  for (const ElementRange& r : s.ranges) built.emplace_back(r.to, r.count * r.to_size);
  for (auto [begin, size] : built) {
    auto* words = static_cast<std::uintptr_t*>(begin);
    for (std::size_t i = 0; i < size / sizeof(std::uintptr_t); ++i) {
      if ((words[i] & kPlaceholderMask) != s.tag) continue;
      std::size_t index = (words[i] & ~kPlaceholderMask) >> 3;
      if (index >= s.placeholders.size()) continue;
      void* target = moved_to(s.placeholders[index].old, s.placeholders[index].type);
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

// The bytes of the new objects and elements the migration built (their own sizes: what
// they allocate in turn is not counted; an object inside another, a member of a changed
// type, counts once).
inline std::size_t bytes_built() noexcept try {
  MigrationState& s = state();
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> built;
  built.reserve(s.noted.size() + s.ranges.size());
  for (const MigrationState::Noted& n : s.noted)
    built.emplace_back(reinterpret_cast<std::uintptr_t>(n.to), reinterpret_cast<std::uintptr_t>(n.to) + n.to_size);
  for (const ElementRange& r : s.ranges)
    built.emplace_back(reinterpret_cast<std::uintptr_t>(r.to),
                       reinterpret_cast<std::uintptr_t>(r.to) + r.count * r.to_size);
  std::sort(built.begin(), built.end());
  std::size_t bytes = 0;
  std::uintptr_t covered = 0;
  for (const auto& [begin, end] : built) {
    if (end <= covered) continue;
    bytes += end - std::max(begin, covered);
    covered = end;
  }
  return bytes;
} catch (...) {
  return 0;  // out of memory: no figure, no harm
}

inline void forget(PageVector<KeptShared>& owners) {
  for (const KeptShared& k : owners) {
    // What it owned stays allocated on purpose: tell LeakSanitizer, when the program has it.
    // (libstdc++'s shared_ptr is {pointer, control block}; the control block is the
    // allocation, the object itself or beside it.)
    if (__lsan_ignore_object)
      if (const void* block = static_cast<void* const*>(k.owner)[1]) __lsan_ignore_object(block);
    k.forget(k.owner);
  }
  owners.clear();
}

}  // namespace migration_detail
}  // namespace
}  // namespace hotswap

// ---- Entry points the runtime calls (docs/patch-format.md, "migrations") ----

extern "C" void hotswap_migration_clear() noexcept;

// Before the threads are held: the tables emptied and reserved as large as `sizes` (what
// the runtime remembers of the last migration of this patch, which may have been another
// linking of it) or as this copy's own last migration needed, their pages in place, so
// that the pause writes into memory that is already there.
extern "C" void hotswap_migration_prepare(const std::size_t* sizes, std::size_t count) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  hotswap_migration_clear();
  s.stack_low = s.stack_high = 0;
  hotswap::migration_detail::find_stack();  // the runtime migrates on this thread, maybe another each time
  // The runtime's sizes size this migration's tables only; the hints this copy reports
  // (hotswap_migration_sizes) stay what migrations really needed.
  const std::size_t hints[] = {s.noted_hint, s.undo_hint, s.ranges_hint, s.kept_hint};
  std::size_t expected[std::size(hints)];
  for (std::size_t i = 0; i < std::size(hints); ++i) expected[i] = std::max(hints[i], i < count ? sizes[i] : 0);
  // Room for a quarter of a million entries each without regrowth (address space, no
  // memory, until written), for a first migration that has nothing to go by.
  constexpr std::size_t least = std::size_t{1} << 18;
  try {  // no regrowth (and no failure later for want of it)
    hotswap::migration_detail::reserve_ahead(s.noted, expected[0], least);
    hotswap::migration_detail::reserve_ahead(s.undo, expected[1], least);
    hotswap::migration_detail::reserve_ahead(s.ranges, expected[2], least);
    hotswap::migration_detail::reserve_ahead(s.kept_pointers, expected[3], least);
  } catch (...) {
  }
  s.prepared = true;
}

// How large the tables have grown (the order of hotswap_migration_prepare's `sizes`), then
// the bytes of the new objects and elements built.
extern "C" void hotswap_migration_sizes(std::size_t* sizes, std::size_t count) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  const std::size_t hints[] = {std::max(s.noted_hint, s.noted.size()), std::max(s.undo_hint, s.undo.size()),
                               std::max(s.ranges_hint, s.ranges.size()),
                               std::max(s.kept_hint, s.kept_pointers.size()),
                               std::max(s.built_hint, hotswap::migration_detail::bytes_built())};
  for (std::size_t i = 0; i < count && i < std::size(hints); ++i) sizes[i] = hints[i];
}

extern "C" void hotswap_migration_begin() noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  if (!s.prepared) hotswap_migration_prepare(nullptr, 0);
  s.prepared = false;
  s.leaving_begin = s.leaving_end = 0;
  s.leaving_entries = nullptr;
  s.leaving_entry_count = 0;
  for (auto& range : s.leaving_data) range[0] = range[1] = 0;
  for (auto& [type, count] : s.counts) count = 0;
  s.error.clear();
  static std::uintptr_t generation = 0;
  s.tag = (std::uintptr_t{0xfe00} | (++generation & 0xff)) << 48;
}

// After hotswap_migration_begin, for a revert: the patch's code, [begin, end), which no
// function's entry may lead into once it goes back (transform() fails the revert).
extern "C" void hotswap_migration_leaving_code(std::uintptr_t begin, std::uintptr_t end) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  s.leaving_begin = begin;
  s.leaving_end = end;
}

// After hotswap_migration_leaving_code, for a revert: the start of every function of the
// patch, sorted, `count` of them. Only these are entries into its code (a return address
// a program saved is not). The table is the runtime's, valid until the migration ends.
extern "C" void hotswap_migration_leaving_entries(const std::uintptr_t* sorted, std::size_t count) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  s.leaving_entries = count ? sorted : nullptr;
  s.leaving_entry_count = count;
}

// After hotswap_migration_leaving_code, for a revert: the patch's read-only and writable
// data, where the vtables of the classes it brought lie.
extern "C" void hotswap_migration_leaving_data(std::uintptr_t rodata_begin, std::uintptr_t rodata_end,
                                               std::uintptr_t data_begin, std::uintptr_t data_end) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  s.leaving_data[0][0] = rodata_begin;
  s.leaving_data[0][1] = rodata_end;
  s.leaving_data[1][0] = data_begin;
  s.leaving_data[1][1] = data_end;
}

// 0 when every forwarded pointer found its object; the error text otherwise. The record of
// what moved where stays until hotswap_migration_clear: the runtime asks it about the
// threads' stacks (hotswap_migration_holds) and undoes it (hotswap_migration_abort).
extern "C" int hotswap_migration_end() noexcept {
  bool ok = false;
  try {
    ok = hotswap::migration_detail::resolve();
  } catch (...) {
    hotswap::migration_detail::fail("out of memory while forwarding pointers");
  }
  return ok ? 0 : 1;
}

// The migration failed: the members it moved go back into the old objects, and the shared
// objects it made for the new ones are forgotten (never released: see KeptShared).
extern "C" void hotswap_migration_abort() noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  // Each record on its own: one move back that throws (an allocation) must not keep the
  // others from giving back what they moved.
  for (auto it = s.undo.rbegin(); it != s.undo.rend(); ++it) try {
      it->back(it->from, it->to);
    } catch (...) {
    }
  s.undo.clear();
  s.cleared.clear();  // their values went back with the undo records
  // What migrate_once() built stays allocated: it may hold copies of what the old objects
  // still own (known to LeakSanitizer, when the program has it, as kept on purpose).
  for (const hotswap::migration_detail::Owned& o : s.owned)
    if (__lsan_ignore_object) __lsan_ignore_object(o.made);
  s.owned.clear();
  // The new shared objects are never released by this code (KeptShared): neither their
  // owners nor the migration's own references.
  for (auto& [old, owner] : s.shared) ::new (&owner) std::shared_ptr<void>();
  s.shared.clear();
  hotswap::migration_detail::forget(s.new_shared);
  s.old_shared.clear();
}

// Before the old objects are destroyed: their shared owners of changed types are forgotten.
// Then the old objects of classes with virtual functions that migrate_once() moved from are
// deleted (in a revert the runtime calls this before it switches the code back).
extern "C" void hotswap_migration_release_old() noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  hotswap::migration_detail::forget(s.old_shared);
  std::erase_if(s.owned, [](const hotswap::migration_detail::Owned& o) {
    if (!o.virtual_destructor) return false;
    try {
      o.destroy_old(o.old);
    } catch (...) {
    }
    return true;
  });
}

// The update has committed and the old data are destroyed: the other old objects
// migrate_once() moved from are deleted, and what hotswap::clear() took out of old objects
// is destroyed (after the pause, as the data are: no parked thread holds a lock their
// destructors may take).
extern "C" void hotswap_migration_release_owned() noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  for (const hotswap::migration_detail::Owned& o : s.owned) {
    try {
      o.destroy_old(o.old);
    } catch (...) {
    }
  }
  s.owned.clear();
  for (const hotswap::migration_detail::Cleared& c : s.cleared) {
    try {
      c.destroy(c.box);
    } catch (...) {
    }
  }
  s.cleared.clear();
}

// Whether any of `count` words is the address of an old object the migration moved from;
// if so, hotswap_migration_error() then says which ("an old app::Session"). Out of memory
// answers yes: the update is then refused, which is always safe.
extern "C" int hotswap_migration_holds(const std::uintptr_t* words, std::size_t count) noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  try {
    for (std::size_t i = 0; i < count; ++i) {
      const void* p = reinterpret_cast<const void*>(words[i]);
      if (!p) continue;
      if (s.shared.count(p) || hotswap::migration_detail::inside_old(p)) {
        std::string type = hotswap::migration_detail::inside_old_object(p);
        if (type.rfind("hotswap_old::", 0) == 0) type.erase(0, 13);  // the old app::Session
        s.error = type.empty() ? "an old shared object" : "an old " + type;
        return 1;
      }
    }
  } catch (...) {
    return 1;
  }
  return 0;
}

extern "C" void hotswap_migration_clear() noexcept {
  hotswap::migration_detail::MigrationState& s = hotswap::migration_detail::state();
  s.prepared = false;
  s.built_hint = std::max(s.built_hint, hotswap::migration_detail::bytes_built());
  s.forwarded.clear();
  s.ranges_hint = std::max(s.ranges_hint, s.ranges.size());
  s.ranges.clear();
  s.ranges.shrink_to_fit();
  s.sorted_ranges = 0;
  s.spans.clear();
  s.spans.shrink_to_fit();
  s.span_reach.clear();
  s.span_reach.shrink_to_fit();
  s.element_noted = false;
  s.shared.clear();
  s.deferred.clear();
  s.placeholders.clear();
  s.noted_hint = std::max(s.noted_hint, s.noted.size());
  s.noted.clear();
  s.noted.shrink_to_fit();
  s.indexed = false;
  s.kept_hint = std::max(s.kept_hint, s.kept_pointers.size());
  s.kept_pointers.clear();
  s.kept_pointers.shrink_to_fit();
  s.undo_hint = std::max(s.undo_hint, s.undo.size());
  s.undo.clear();
  s.undo.shrink_to_fit();
  s.old_shared.clear();
  s.new_shared.clear();
  s.owned.clear();
  s.cleared.clear();
}

extern "C" const char* hotswap_migration_error() noexcept { return hotswap::migration_detail::state().error.c_str(); }

// "app::Session 1000, app::Item 5000": objects migrated per type by the last migration.
extern "C" const char* hotswap_migration_counts() noexcept {
  static std::string& text = *new std::string;  // never destroyed: see state()
  try {
    text.clear();
    for (const auto& [type, count] : hotswap::migration_detail::state().counts)
      if (count) text += (text.empty() ? "" : ", ") + type + " " + std::to_string(count);
  } catch (...) {
  }
  return text.c_str();
}
