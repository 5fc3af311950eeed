// The transform file's helpers (<hotswap/transform.h>) on their own, as a transform file
// uses them: old layouts in hotswap_old, overloads, then transform_impl.h.
#include <hotswap/transform.h>

#include <gtest/gtest.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace app {
struct Item {
  std::string name;
  long quantity = 0;
  int shelf = 7;  // new, with a default
};
struct Session {
  int id = 0;
  std::string user;
  std::vector<Item> items;
  Session* peer = nullptr;
  std::shared_ptr<Item> favourite;
  long requests = 0;
};
}  // namespace app

namespace hotswap_old::app {
struct Item {
  std::string name;
  int quantity;
};
struct Session {
  int id;
  std::string user;
  std::vector<hotswap_old::app::Item> items;
  hotswap_old::app::Session* peer;
  std::shared_ptr<hotswap_old::app::Item> favourite;
};
}  // namespace hotswap_old::app

bool hotswap_transform(const hotswap_old::app::Item& from, app::Item& to) {
  to.name = from.name;
  return hotswap::convert(from.quantity, to.quantity);
}
bool hotswap_transform(const app::Item& from, hotswap_old::app::Item& to) {
  to.name = from.name;
  return hotswap::convert(from.quantity, to.quantity);
}
bool hotswap_transform(const hotswap_old::app::Session& from, app::Session& to) {
  to.id = from.id;
  to.user = from.user;
  return hotswap::transform(from.items, to.items) && hotswap::forward_to(to.peer, from.peer) &&
         hotswap::transform(from.favourite, to.favourite);
}

// A map key that changed: the new one is ordered and hashed, the old layout is not (a plain
// struct, as the generator writes it) unless the file says how.
namespace app {
struct Key {
  long id = 0;
  int weight = 1;  // new
  bool operator<(const Key& other) const { return id < other.id; }
  bool operator==(const Key& other) const { return id == other.id; }
};
struct KeyHash {
  std::size_t operator()(const Key& k) const { return std::hash<long>()(k.id); }
};
}  // namespace app
namespace hotswap_old::app {
struct Key {
  int id;
};
}  // namespace hotswap_old::app
bool hotswap_transform(const hotswap_old::app::Key& from, app::Key& to) {
  to.id = from.id / 10;  // ten old keys a new one: 0..9 and 10..19 collide when told to
  return true;
}
bool hotswap_transform(const app::Key& from, hotswap_old::app::Key& to) { return hotswap::convert(from.id, to.id); }

// A key whose transformer moves a member in and then throws: the node it was moving into
// must outlive the undo records that point into it.
namespace app {
struct Tag {
  std::string label;
  int rank = 0;
  bool operator<(const Tag& other) const { return label < other.label; }
};
// A comparator without a default constructor: the node comes from a map built with `to`'s.
struct ByRank {
  explicit ByRank(int sign) : sign(sign) {}
  int sign;
  bool operator()(const Key& a, const Key& b) const { return sign * a.id < sign * b.id; }
};
}  // namespace app
namespace hotswap_old::app {
struct Tag {
  std::string label;
};
}  // namespace hotswap_old::app
bool hotswap_transform(const hotswap_old::app::Tag& from, app::Tag& to) {
  if (!hotswap::transform(from.label, to.label)) return false;  // moved in, with an undo record
  if (to.label == "throws") throw std::runtime_error("a key transformer threw");
  return true;
}

// Pointers to functions and member functions of a class that changed: carried by their bits
// only between types called alike, and only values that mean the same in both layouts.
namespace app {
struct Peer {
  int fd = 7;
  long added = 0;  // new
  int ping(int x) { return x + fd; }
  int pong(double x) { return static_cast<int>(x); }
  int meet(Peer* other) const noexcept { return other->fd; }
};
struct Node {
  virtual ~Node() = default;
  virtual int weight() { return 1; }
  int fixed() { return 2; }
};
struct Left {
  long l = 0;
};
struct Right {
  long r = 0;
  int right() { return 3; }
};
struct Both : Left, Right {};  // a pointer to Right::right as one of Both's adjusts `this` by 8
}  // namespace app
namespace hotswap_old::app {
struct Peer {
  int fd;
};
struct Node {
  long pad;
};
struct Both {
  long pad[2];
};
}  // namespace hotswap_old::app
bool hotswap_transform(const hotswap_old::app::Peer& from, app::Peer& to) { return hotswap::transform(from.fd, to.fd); }
bool hotswap_transform(const app::Peer& from, hotswap_old::app::Peer& to) { return hotswap::transform(from.fd, to.fd); }
bool hotswap_transform(const app::Node&, hotswap_old::app::Node&) { return true; }
bool hotswap_transform(const app::Both&, hotswap_old::app::Both&) { return true; }

#include <hotswap/transform_impl.h>

namespace {

using OldMap = std::unordered_map<int, std::unique_ptr<hotswap_old::app::Session>>;
using NewMap = std::unordered_map<int, std::unique_ptr<app::Session>>;

std::unique_ptr<hotswap_old::app::Session> old_session(int id, const std::string& user) {
  auto s = std::make_unique<hotswap_old::app::Session>();
  s->id = id;
  s->user = user;
  s->items.push_back({"apple", id * 10});
  s->peer = nullptr;
  return s;
}

int run_migration(const OldMap& from, NewMap& to) {
  hotswap_migration_begin();
  int failed = hotswap::migration_detail::migrate_root<OldMap, NewMap>(&from, &to);
  int unresolved = failed ? 0 : hotswap_migration_end();
  if (failed || unresolved) hotswap_migration_abort();
  hotswap_migration_clear();
  return failed ? failed : unresolved;
}

TEST(TransformHelpers, AMapOfOwnedObjectsMovesWithPeersForwardedWhateverTheOrder) {
  OldMap from;
  for (int i = 0; i < 50; ++i) from[i] = old_session(i, "user" + std::to_string(i));
  for (int i = 0; i < 50; ++i) from[i]->peer = from[(i + 17) % 50].get();  // forward and backward in hash order
  auto shared = std::make_shared<hotswap_old::app::Item>(hotswap_old::app::Item{"pear", 3});
  from[1]->favourite = shared;
  from[2]->favourite = shared;
  NewMap to;
  hotswap_migration_begin();
  ASSERT_EQ((hotswap::migration_detail::migrate_root<OldMap, NewMap>(&from, &to)), 0) << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0) << hotswap_migration_error();
  ASSERT_EQ(to.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(to[i]->user, "user" + std::to_string(i));
    ASSERT_EQ(to[i]->items.size(), 1u);
    EXPECT_EQ(to[i]->items[0].quantity, i * 10);
    EXPECT_EQ(to[i]->items[0].shelf, 7) << "a new member keeps its default member initializer";
    EXPECT_EQ(to[i]->peer, to[(i + 17) % 50].get()) << "peers point at the new objects";
  }
  ASSERT_NE(to[1]->favourite, nullptr);
  EXPECT_EQ(to[1]->favourite, to[2]->favourite) << "two owners keep sharing one new object";
  EXPECT_EQ(to[1]->favourite->name, "pear");
  EXPECT_EQ(std::string(hotswap_migration_counts()), "app::Item 51, app::Session 50");
  EXPECT_EQ(shared.use_count(), 3) << "the old owners were not released by the migration";
  hotswap_migration_release_old();  // what the runtime does before destroying the old objects
  hotswap_migration_clear();
  EXPECT_EQ(from[1]->favourite, nullptr) << "forgotten, never released: its control block is the old release's";
  EXPECT_EQ(shared.use_count(), 3);
  EXPECT_EQ(to[1]->favourite.use_count(), 2) << "the new object has exactly its two new owners";
#ifdef __SANITIZE_ADDRESS__
  __lsan_ignore_object(reinterpret_cast<void* const*>(&shared)[1]);  // the control block, kept on purpose
#endif
}

TEST(TransformHelpers, UnchangedContainersMoveWholeSoPointersIntoThemStayValid) {
  struct Book {
    std::vector<std::string> names;
  };
  // The migration's objects live in the patch's data and on the heap, never on the stack
  // of the thread that migrates (into a temporary there, members are copied).
  auto from = std::make_unique<std::vector<std::string>>(
      std::vector<std::string>{"a-name-longer-than-the-small-string-buffer", "b"});
  const std::string* first = &(*from)[0];
  auto to = std::make_unique<std::vector<std::string>>();
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(*from, *to));
  ASSERT_EQ(hotswap_migration_end(), 0);
  hotswap_migration_clear();
  EXPECT_EQ(&(*to)[0], first) << "the same elements, now the new owner's";
  EXPECT_TRUE(from->empty());
  std::vector<std::string> temporary;
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(*to, temporary));
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(to->size(), 2u) << "into a temporary: copied, so that nothing needs undoing";
}

TEST(TransformHelpers, AFailedMigrationMovesEveryMemberBack) {
  OldMap from;
  for (int i = 0; i < 3; ++i) from[i] = old_session(i, "user" + std::to_string(i));
  from[2]->peer = reinterpret_cast<hotswap_old::app::Session*>(&from);  // nothing migrates it
  NewMap to;
  EXPECT_NE(run_migration(from, to), 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(from[i]->user, "user" + std::to_string(i)) << "moved back";
}

// A member at offset 0 shares its parent's address: each keeps its own entry.
namespace offset_zero {
struct Stats {
  int hits = 0;
};
struct Holder {
  Stats stats;
  int more = 0;
};
}  // namespace offset_zero

TEST(TransformHelpers, AnObjectAndItsFirstMemberForwardEachToTheirOwn) {
  offset_zero::Holder old_holder, new_holder;
  hotswap_migration_begin();
  hotswap::migration_detail::note(&old_holder, &new_holder);
  hotswap::migration_detail::note(&old_holder.stats, &new_holder.stats);
  EXPECT_EQ(hotswap::forward<offset_zero::Holder>(&old_holder), &new_holder);
  EXPECT_EQ(hotswap::forward<offset_zero::Stats>(&old_holder.stats), &new_holder.stats);
  hotswap_migration_end();
  hotswap_migration_clear();
}

TEST(TransformHelpers, APointerIntoAnOldObjectThatGoesIsRefusedNotLeftDangling) {
  std::vector<hotswap_old::app::Item> from{{"a", 1}, {"b", 2}};
  struct Old {
    std::vector<hotswap_old::app::Item> items;
    std::string* name;
  };
  std::vector<app::Item> to;
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(from, to));
  std::string* kept = nullptr;
  std::string* const inside = &from[1].name;
  ASSERT_TRUE(hotswap::transform(inside, kept));
  EXPECT_NE(hotswap_migration_end(), 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("points into an old hotswap_old::app::Item"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
}

TEST(TransformHelpers, APointerToAnObjectNobodyMigratesFailsTheMigration) {
  OldMap from;
  hotswap_old::app::Session stray{99, "stray", {}, nullptr, nullptr};
  from[1] = old_session(1, "a");
  from[1]->peer = &stray;
  NewMap to;
  EXPECT_NE(run_migration(from, to), 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("nothing migrates that object"), std::string::npos)
      << hotswap_migration_error();
}

TEST(TransformHelpers, AValueOutOfRangeRefusesNamingTheTypes) {
  std::vector<app::Item> from(1);
  from[0].quantity = 1L << 40;
  std::vector<hotswap_old::app::Item> to;
  hotswap_migration_begin();
  EXPECT_NE((hotswap::migration_detail::migrate_root<std::vector<app::Item>, std::vector<hotswap_old::app::Item>>(&from, &to)), 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("does not fit in int"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_end();
}

TEST(TransformHelpers, ForwardBeforeTheTargetMovedIsFilledInFromTheObjectsBuilt) {
  // A hand-written transformer that stores forward() of an object migrated later.
  std::vector<hotswap_old::app::Session> from(2);
  from[0].id = 1;
  from[1].id = 2;
  from[0].peer = &from[1];
  from[1].peer = &from[0];
  std::vector<app::Session> to;
  hotswap_migration_begin();
  ASSERT_EQ((hotswap::migration_detail::migrate_root<std::vector<hotswap_old::app::Session>, std::vector<app::Session>>(&from, &to)), 0);
  hotswap_migration_end();
  EXPECT_EQ(to[0].peer, &to[1]);
  EXPECT_EQ(to[1].peer, &to[0]);

  // A plain forward() of an object not migrated yet, stored in an object the migration built.
  hotswap_old::app::Session old_holder{}, old_target{};
  old_target.id = 5;
  auto holder = std::make_unique<app::Session>(), target = std::make_unique<app::Session>();
  hotswap_migration_begin();
  hotswap::migration_detail::note(&old_holder, holder.get());
  holder->peer = hotswap::forward<app::Session>(&old_target);
  EXPECT_NE(holder->peer, nullptr);
  ASSERT_TRUE(hotswap::transform(old_target, *target)) << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0) << hotswap_migration_error();
  EXPECT_EQ(holder->peer, target.get());
  hotswap_migration_clear();
}

TEST(TransformHelpers, ContainersOfEveryKindMoveElementByElement) {
  std::map<std::string, hotswap_old::app::Item> m{{"a", {"a", 1}}, {"b", {"b", 2}}};
  std::deque<hotswap_old::app::Item> d{{"d", 4}};
  std::list<hotswap_old::app::Item> l{{"l", 5}, {"m", 6}};
  std::optional<hotswap_old::app::Item> o{{"o", 7}};
  hotswap_old::app::Item c[3] = {{"c0", 1}, {"c1", 2}, {"c2", 3}};
  std::map<std::string, app::Item> m2;
  std::deque<app::Item> d2;
  std::list<app::Item> l2;
  std::optional<app::Item> o2;
  app::Item c2[4];
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(m, m2) && hotswap::transform(d, d2) && hotswap::transform(l, l2) &&
              hotswap::transform(o, o2) && hotswap::transform(c, c2))
      << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0);
  EXPECT_EQ(m2.at("b").quantity, 2);
  EXPECT_EQ(d2.front().name, "d");
  EXPECT_EQ(l2.back().quantity, 6);
  EXPECT_EQ(o2->name, "o");
  EXPECT_EQ(c2[2].name, "c2");
  EXPECT_EQ(c2[3].shelf, 7) << "an array that grew keeps the new elements' defaults";
}

TEST(TransformHelpers, AThrowingTransformerRefusesWithItsMessage) {
  std::vector<std::vector<int>> from{{1}};
  std::vector<std::vector<int>> to;
  hotswap_migration_begin();
  // Same types copy; a throwing one is simulated through refuse().
  EXPECT_TRUE(hotswap::transform(from, to));
  EXPECT_FALSE(hotswap::refuse("unit changed: seconds -> milliseconds"));
  EXPECT_STREQ(hotswap_migration_error(), "unit changed: seconds -> milliseconds");
  hotswap_migration_end();
}

// The range check: integers keep their value and sign, floating-point values their
// magnitude, NaN and infinities go only to floating point.
TEST(TransformHelpers, RangeChecksConvertWhatFitsAndRefuseTheRest) {
  EXPECT_TRUE(hotswap::fits<int>(5L));
  EXPECT_FALSE(hotswap::fits<int>(1L << 40));
  EXPECT_FALSE(hotswap::fits<unsigned>(-1));
  EXPECT_TRUE(hotswap::fits<unsigned short>(static_cast<unsigned char>(200)));
  EXPECT_FALSE(hotswap::fits<signed char>(200));
  EXPECT_FALSE(hotswap::fits<bool>(2));
  EXPECT_FALSE(hotswap::fits<bool>(0.5));
  EXPECT_TRUE(hotswap::fits<bool>(1.0));
  EXPECT_TRUE(hotswap::fits<double>(std::numeric_limits<float>::quiet_NaN()));
  EXPECT_FALSE(hotswap::fits<int>(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(hotswap::fits<float>(0.1)) << "rounds";
  EXPECT_FALSE(hotswap::fits<float>(1e300));
  EXPECT_FALSE(hotswap::fits<int>(3e9));
  EXPECT_TRUE(hotswap::fits<int>(-2147483648.5)) << "truncates";
  EXPECT_FALSE(hotswap::fits<long>(9.3e18));
  enum class Small : unsigned char { kA };
  EXPECT_FALSE(hotswap::fits<Small>(300)) << "an enum by its underlying type";
}

TEST(TransformHelpers, DiscardEmptiesARootSoThatItsExitDestructorFreesNothingTwice) {
  OldMap from;
  from[1] = old_session(1, "a");
  hotswap::migration_detail::discard_root<OldMap>(&from);
  EXPECT_TRUE(from.empty());
}

}  // namespace

TEST(TransformHelpers, AnUnchangedMemberTransformedIntoATemporaryIsCopiedOrRefusedNeverMoved) {
  // A move into a temporary could not be undone once the temporary is gone: a map of
  // copyable values is copied (its pair<const K, V> cannot be assigned, but copied), one of
  // move-only values refuses.
  std::map<int, std::string> names{{1, "one"}, {2, "two"}};
  hotswap_migration_begin();
  {
    std::map<int, std::string> temporary;
    EXPECT_TRUE(hotswap::transform(names, temporary)) << hotswap_migration_error();
    EXPECT_EQ(temporary.size(), 2u);
  }
  EXPECT_EQ(names.size(), 2u) << "copied, not moved";
  std::map<int, std::unique_ptr<int>> owned;
  owned[1] = std::make_unique<int>(7);
  {
    std::map<int, std::unique_ptr<int>> temporary;
    EXPECT_FALSE(hotswap::transform(owned, temporary));
    EXPECT_NE(std::string(hotswap_migration_error()).find("cannot be copied was transformed into a temporary"),
              std::string::npos)
        << hotswap_migration_error();
  }
  hotswap_migration_abort();
  hotswap_migration_clear();
  ASSERT_EQ(owned.size(), 1u);
  EXPECT_EQ(*owned[1], 7) << "nothing moved out";
}

namespace {

TEST(TransformHelpers, MigrateOnceGivesEveryOwnerOneObjectAndRefusesOneItsOwnerMigratesToo) {
  // Two raw owners, one through a pointer to const: one new object for both.
  auto raw = old_session(7, "raw");
  auto slots = std::make_unique<std::pair<app::Session*, const app::Session*>>();
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::migrate_once(raw.get(), slots->first));
  ASSERT_TRUE(hotswap::migrate_once(static_cast<const hotswap_old::app::Session*>(raw.get()), slots->second));
  ASSERT_EQ(hotswap_migration_end(), 0) << hotswap_migration_error();
  EXPECT_EQ(slots->first, slots->second);
  EXPECT_EQ(slots->first->user, "raw");
  hotswap_migration_release_old();  // not yet deleted: the runtime deletes it after the old data
  EXPECT_EQ(raw->id, 7);
  raw.release();  // NOLINT: the next call deletes it, as the runtime's commit does
  hotswap_migration_release_owned();
  hotswap_migration_clear();
  delete slots->first;

  // An object its unique_ptr owner migrates after migrate_once did: it would move twice.
  OldMap from;
  from[3] = old_session(3, "owned");
  auto slot = std::make_unique<app::Session*>(nullptr);
  NewMap to;
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::migrate_once(from[3].get(), *slot));
  ASSERT_EQ((hotswap::migration_detail::migrate_root<OldMap, NewMap>(&from, &to)), 0);
  EXPECT_NE(hotswap_migration_end(), 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("migrated by its owner too"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();  // the new objects are abandoned; nothing old is freed
  hotswap_migration_clear();
  EXPECT_EQ(from[3]->user, "owned") << "the member moved back";
}

TEST(TransformHelpers, ClearEmptiesAMemberAndAFailedMigrationGivesItBack) {
  auto held = std::make_unique<std::vector<int>>(std::vector<int>{1, 2, 3});
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::clear(*held));
  EXPECT_TRUE(held->empty());
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(*held, (std::vector<int>{1, 2, 3})) << "given back";

  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::clear(*held));
  ASSERT_EQ(hotswap_migration_end(), 0);
  hotswap_migration_release_old();
  hotswap_migration_release_owned();  // the taken value is destroyed
  hotswap_migration_clear();
  EXPECT_TRUE(held->empty());

  std::vector<int> temporary{4};
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::clear(temporary)) << "a temporary is refused";
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(temporary, std::vector<int>{4});
}

// An unchanged class without a default constructor, held in a variant.
struct Fixed {
  explicit Fixed(int v) : value(v), items(3, v) {}
  int value;
  std::vector<int> items;
};

// Variants migrate alternative by alternative, at the same index: the same type, or a
// changed one through its transformer. Never by conversion: variant<int, long> -> variant<long,
// int> is a reordering the default cannot migrate.
TEST(TransformHelpers, VariantsMigrateAlternativeByAlternativeNeverByConversion) {
  using hotswap::migration_detail::transformable;
  static_assert(!transformable<std::variant<int, long>, std::variant<long, int>>());
  static_assert(!transformable<std::variant<int, hotswap_old::app::Item>, std::variant<app::Item, int>>());
  static_assert(transformable<std::variant<int, hotswap_old::app::Item>, std::variant<int, app::Item>>());
  // An alternative appended by the new release, and going back, one the old release lacks.
  static_assert(transformable<std::variant<int, hotswap_old::app::Item>, std::variant<int, app::Item, double>>());
  static_assert(transformable<std::variant<int, app::Item, double>, std::variant<int, hotswap_old::app::Item>>());
  // An unchanged alternative is moved in: it need not be default-constructible.
  static_assert(transformable<std::variant<Fixed, hotswap_old::app::Item>, std::variant<Fixed, app::Item, double>>());

  // The new objects on the heap, as migrations build them (into a temporary on the stack, an
  // unchanged value is copied instead: a move could not be undone).
  std::variant<Fixed, hotswap_old::app::Item> fixed{Fixed(3)}, item{hotswap_old::app::Item{"pear", 4}};
  auto fixed2 = std::make_unique<std::variant<Fixed, app::Item, double>>(Fixed(0));
  auto item2 = std::make_unique<std::variant<Fixed, app::Item, double>>(Fixed(0));
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(fixed, *fixed2) && hotswap::transform(item, *item2)) << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0);
  hotswap_migration_clear();
  EXPECT_EQ(std::get<Fixed>(*fixed2).value, 3);
  EXPECT_TRUE(std::get<Fixed>(fixed).items.empty()) << "moved in whole, not copied";
  EXPECT_EQ(std::get<app::Item>(*item2).quantity, 4);
  EXPECT_EQ(std::get<app::Item>(*item2).shelf, 7);

  // What points into an unchanged alternative still does once it moved; a failed migration
  // moves it back.
  std::variant<Fixed, hotswap_old::app::Item> held{Fixed(5)};
  const int* inside = std::get<Fixed>(held).items.data();
  auto moved = std::make_unique<std::variant<Fixed, app::Item, double>>(Fixed(0));
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(held, *moved)) << hotswap_migration_error();
  EXPECT_EQ(std::get<Fixed>(*moved).items.data(), inside);
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(std::get<Fixed>(held).items.data(), inside) << "moved back";
  EXPECT_EQ(std::get<Fixed>(held).value, 5);

  // Back: a value holding the appended alternative has no old form, and says so.
  std::variant<Fixed, app::Item, double> appended{2.5};
  std::variant<Fixed, hotswap_old::app::Item> back{Fixed(0)};
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::transform(appended, back));
  EXPECT_NE(std::string(hotswap_migration_error()).find("alternative 2"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
}

// A map whose key type changed migrates each key into its own new node, which then joins
// the map: ordered and hashed by the finished new key, at an address forward() hands out.
// Old keys that become one new key fail the migration, which a failed migration undoes;
// going back, an old layout with no ordering or hash fails with a reason.
TEST(TransformHelpers, AMapWhoseKeyChangedMigratesKeyByKey) {
  using hotswap::migration_detail::transformable;
  static_assert(transformable<std::map<hotswap_old::app::Key, hotswap_old::app::Item>, std::map<app::Key, app::Item>>());
  std::map<hotswap_old::app::Key, hotswap_old::app::Item, bool (*)(const hotswap_old::app::Key&,
                                                                    const hotswap_old::app::Key&)>
      from([](const hotswap_old::app::Key& a, const hotswap_old::app::Key& b) { return a.id > b.id; });  // descending
  for (int i = 0; i < 5; ++i) from[hotswap_old::app::Key{i * 10}] = hotswap_old::app::Item{"n" + std::to_string(i), i};
  auto to = std::make_unique<std::map<app::Key, app::Item>>();
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(from, *to)) << hotswap_migration_error();
  const hotswap_old::app::Key& old_third = std::next(from.begin(), 2)->first;  // id 20
  app::Key* forwarded = hotswap::forward<app::Key>(&old_third);
  ASSERT_EQ(hotswap_migration_end(), 0) << hotswap_migration_error();
  hotswap_migration_clear();
  ASSERT_EQ(to->size(), 5u);
  long expected = 0;
  for (const auto& [key, item] : *to) {  // ascending, as the new key orders
    EXPECT_EQ(key.id, expected);
    EXPECT_EQ(key.weight, 1) << "a new member keeps its default member initializer";
    EXPECT_EQ(item.quantity, expected);
    ++expected;
  }
  EXPECT_EQ(forwarded, &to->find(app::Key{2})->first) << "the key's object in the new map, not a temporary";

  // Two old keys that become one: refused, and a failed migration gives back what moved.
  // The old keys 3 and 7 both become new key 0.
  std::map<hotswap_old::app::Key, std::string, bool (*)(const hotswap_old::app::Key&, const hotswap_old::app::Key&)>
      colliding([](const hotswap_old::app::Key& a, const hotswap_old::app::Key& b) { return a.id < b.id; });
  colliding[hotswap_old::app::Key{3}] = std::string(100, 'a');
  colliding[hotswap_old::app::Key{7}] = std::string(100, 'b');
  auto merged = std::make_unique<std::map<app::Key, std::string>>();
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::transform(colliding, *merged));
  EXPECT_NE(std::string(hotswap_migration_error()).find("migrate to one new key"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(colliding.begin()->second, std::string(100, 'a')) << "the value moved in went back";
  EXPECT_EQ(std::next(colliding.begin())->second, std::string(100, 'b'));

  // Back into a map keyed by an old layout, which has no hash here.
  std::unordered_map<app::Key, std::string, app::KeyHash> now{{app::Key{4, 2}, "x"}};
  std::unordered_map<hotswap_old::app::Key, std::string, app::KeyHash> back;
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::transform(now, back));
  EXPECT_NE(std::string(hotswap_migration_error()).find("cannot place its keys"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
}

// A pointer to a pointer of a changed class (C's `conn **conns`, a queue's `**last`) goes
// to where that pointer moved: an element of a migrated array of pointers. One whose target
// nobody migrated fails the migration, naming the type.
TEST(TransformHelpers, APointerToAPointerForwardsToWhereThatPointerMoved) {
  using hotswap::migration_detail::transformable;
  static_assert(transformable<hotswap_old::app::Item**, app::Item**>());
  static_assert(!transformable<hotswap_old::app::Item**, app::Session**>());
  std::vector<hotswap_old::app::Item> items(3);
  std::vector<hotswap_old::app::Item*> pointers = {&items[0], &items[1], &items[2]};
  hotswap_old::app::Item** cursor = &pointers[1];
  auto new_items = std::make_unique<std::vector<app::Item>>();
  auto new_pointers = std::make_unique<std::vector<app::Item*>>();
  auto new_cursor = std::make_unique<app::Item**>();
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(items, *new_items) && hotswap::transform(pointers, *new_pointers) &&
              hotswap::transform(cursor, *new_cursor))
      << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0) << hotswap_migration_error();
  hotswap_migration_clear();
  EXPECT_EQ(*new_cursor, &(*new_pointers)[1]);
  EXPECT_EQ(**new_cursor, &(*new_items)[1]);

  hotswap_old::app::Item* loose = &items[0];  // a pointer no migration moves
  hotswap_old::app::Item** to_loose = &loose;
  auto lost = std::make_unique<app::Item**>();
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(to_loose, *lost));
  EXPECT_NE(hotswap_migration_end(), 0);
  EXPECT_NE(std::string(hotswap_migration_error()), "");
  hotswap_migration_abort();
  hotswap_migration_clear();
}

// A key transformer that throws after moving a member into the new key: the failed update
// gives the member back (the node is kept, not freed under the undo record). A map whose
// comparator has no default constructor gets its nodes from a map with that comparator.
TEST(TransformHelpers, AMapKeyThatFailsHalfWayGivesBackWhatMovedAndComparatorsNeedNoDefault) {
  std::map<hotswap_old::app::Tag, int, bool (*)(const hotswap_old::app::Tag&, const hotswap_old::app::Tag&)> from(
      [](const hotswap_old::app::Tag& a, const hotswap_old::app::Tag& b) { return a.label < b.label; });
  from[hotswap_old::app::Tag{std::string(64, 'a')}] = 1;
  from[hotswap_old::app::Tag{"throws"}] = 2;
  auto to = std::make_unique<std::map<app::Tag, int>>();
  hotswap_migration_begin();
  int failed = hotswap::migration_detail::migrate_root<decltype(from), std::map<app::Tag, int>>(&from, to.get());
  EXPECT_NE(failed, 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("a key transformer threw"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
  EXPECT_EQ(from.begin()->first.label, std::string(64, 'a')) << "moved back";
  EXPECT_EQ(std::next(from.begin())->first.label, "throws") << "moved back from the node that was kept";

  std::map<hotswap_old::app::Key, int, bool (*)(const hotswap_old::app::Key&, const hotswap_old::app::Key&)> keyed(
      [](const hotswap_old::app::Key& a, const hotswap_old::app::Key& b) { return a.id < b.id; });
  for (int i = 0; i < 4; ++i) keyed[hotswap_old::app::Key{i * 10}] = i;
  auto descending = std::make_unique<std::map<app::Key, int, app::ByRank>>(app::ByRank(-1));
  hotswap_migration_begin();
  ASSERT_TRUE(hotswap::transform(keyed, *descending)) << hotswap_migration_error();
  ASSERT_EQ(hotswap_migration_end(), 0);
  hotswap_migration_clear();
  ASSERT_EQ(descending->size(), 4u);
  EXPECT_EQ(descending->begin()->first.id, 3) << "ordered by the map's own comparator";
}

// The same key type under a comparator that changed: two old keys the new map takes for one
// ("Alice", "alice") refuse the update. The second value used to be transformed over the
// first, freeing the object the first one's undo records point into.
TEST(TransformHelpers, KeysOneUnderTheNewComparatorRefuseAndGiveBackWhatMoved) {
  struct NoCase {
    bool operator()(const std::string& a, const std::string& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](char x, char y) { return std::tolower(x) < std::tolower(y); });
    }
  };
  std::map<std::string, std::unique_ptr<hotswap_old::app::Item>> from;
  from["Alice"] = std::make_unique<hotswap_old::app::Item>(hotswap_old::app::Item{std::string(64, 'A'), 1});
  from["alice"] = std::make_unique<hotswap_old::app::Item>(hotswap_old::app::Item{std::string(64, 'a'), 2});
  using To = std::map<std::string, std::unique_ptr<app::Item>, NoCase>;
  auto to = std::make_unique<To>();
  hotswap_migration_begin();
  int failed = hotswap::migration_detail::migrate_root<decltype(from), To>(&from, to.get());
  EXPECT_NE(failed, 0);
  EXPECT_NE(std::string(hotswap_migration_error()).find("are one key of the new map"), std::string::npos)
      << hotswap_migration_error();
  hotswap_migration_abort();
  hotswap_migration_clear();
  ASSERT_EQ(from.size(), 2u);
  EXPECT_EQ(from["Alice"]->name, std::string(64, 'A'));
  EXPECT_EQ(from["alice"]->quantity, 2);
}

// An unordered_map keyed by an old layout has no default constructor in the transform unit
// (std::hash<hotswap_old::app::Key> is disabled): emptying the old instance after an update,
// or abandoning a failed revert's, used to do nothing, leaving old-layout nodes for the exit
// destructor. The running program built the map with its own hash: a stand-in of the same
// layout plays it here.
TEST(TransformHelpers, AMapKeyedByAnOldLayoutIsEmptiedAndAbandonedInPlace) {
  using OldMap = std::unordered_map<hotswap_old::app::Key, std::unique_ptr<hotswap_old::app::Session>>;
  static_assert(!std::is_default_constructible_v<OldMap>);
  struct Hash {
    std::size_t operator()(const hotswap_old::app::Key& k) const { return static_cast<std::size_t>(k.id); }
  };
  struct Equal {
    bool operator()(const hotswap_old::app::Key& a, const hotswap_old::app::Key& b) const { return a.id == b.id; }
  };
  using Running = std::unordered_map<hotswap_old::app::Key, std::unique_ptr<hotswap_old::app::Session>, Hash, Equal>;
  static_assert(sizeof(Running) == sizeof(OldMap));
  alignas(OldMap) unsigned char storage[sizeof(OldMap)];
  auto* running = ::new (storage) Running;
  for (int i = 0; i < 3; ++i) (*running)[hotswap_old::app::Key{i}] = old_session(i, "u");
  hotswap::migration_detail::discard_root<OldMap>(storage);
  EXPECT_TRUE(running->empty()) << "emptied: its sessions freed once, here";

  hotswap_old::app::Session* kept = nullptr;
  for (int i = 0; i < 3; ++i) kept = ((*running)[hotswap_old::app::Key{i}] = old_session(i, "v")).get();
  hotswap::migration_detail::abandon_root<OldMap>(storage);
  EXPECT_TRUE(running->empty()) << "its nodes left it, not destroyed";
  EXPECT_EQ(kept->user, "v") << "an abandoned object stays allocated";
  running->~Running();
}

// A pointer to a function or member function carries its bits on only into a type called
// alike: the same parameters and result up to the changed classes they name, whatever
// noexcept or the qualifiers DWARF leaves out say. One retyped from (int) to (double) would
// call its function with the argument in the wrong register.
TEST(TransformHelpers, FunctionEntriesCarryOnOnlyIntoTypesCalledAlike) {
  using hotswap::migration_detail::transformable;
  using OldPeer = hotswap_old::app::Peer;
  static_assert(transformable<int (OldPeer::*)(int), int (app::Peer::*)(int)>());
  static_assert(!transformable<int (OldPeer::*)(int), int (app::Peer::*)(double)>());
  static_assert(!transformable<int (OldPeer::*)(int), long (app::Peer::*)(int)>());
  static_assert(!transformable<int (OldPeer::*)(int), int (app::Peer::*)(int, int)>());
  static_assert(transformable<int (OldPeer::*)(OldPeer*), int (app::Peer::*)(app::Peer*) const noexcept>());
  static_assert(transformable<int (app::Peer::*)(app::Peer*) const noexcept, int (OldPeer::*)(OldPeer*)>());
  static_assert(!transformable<int (OldPeer::*)(OldPeer*), int (app::Peer::*)(app::Item*)>());
  static_assert(transformable<int (*)(const OldPeer&, std::vector<OldPeer>&), int (*)(const app::Peer&, std::vector<app::Peer>&)>());
  static_assert(!transformable<int (*)(int), int (*)(long)>());
  static_assert(transformable<int (*)(const char*), int (*)(char*)>());  // cv: the same registers
  static_assert(transformable<int (*)(OldPeer*), int (*)(const app::Peer*)>());
  static_assert(transformable<int (*)(std::array<OldPeer, 2>&), int (*)(std::array<app::Peer, 2>&)>());
  static_assert(!transformable<int (*)(std::array<OldPeer, 2>&), int (*)(std::array<app::Peer, 3>&)>());
  static_assert(transformable<void (*)(std::function<int(OldPeer&)>), void (*)(std::function<int(app::Peer&)>)>());
  static_assert(!transformable<void (*)(std::function<int(int)>), void (*)(std::function<int(long)>)>());
  static_assert(transformable<void (*)(int, ...), void (*)(int, ...) noexcept>());
  static_assert(!transformable<void (*)(int, ...), void (*)(int)>());

  int (OldPeer::*old_ping)(int) = nullptr;
  int (app::Peer::*ping)(int) = &app::Peer::ping;
  std::memcpy(static_cast<void*>(&old_ping), static_cast<const void*>(&ping), sizeof ping);  // as the old code made it
  int (app::Peer::*carried)(int) = nullptr;
  hotswap_migration_begin();
  EXPECT_TRUE(hotswap::transform(old_ping, carried));
  hotswap_migration_clear();
  app::Peer peer;
  EXPECT_EQ((peer.*carried)(3), 10);
}

// Going back, a pointer the new code made to a virtual member function of a class that had
// none is a vtable slot's offset, and one to a base's member carries an adjustment: in the
// old layout they would name nothing. The migration fails with nothing changed; a plain
// member function's entry goes back.
TEST(TransformHelpers, AVirtualSlotOrABaseAdjustmentDoesNotGoBackIntoALayoutWithoutThem) {
  int (hotswap_old::app::Node::*back)() = nullptr;
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::transform(&app::Node::weight, back));
  EXPECT_NE(std::string(hotswap_migration_error()).find("a virtual member function of app::Node"), std::string::npos)
      << hotswap_migration_error();
  EXPECT_EQ(back, nullptr);
  hotswap_migration_clear();
  hotswap_migration_begin();
  EXPECT_TRUE(hotswap::transform(&app::Node::fixed, back));
  hotswap_migration_clear();
  EXPECT_NE(back, nullptr);

  int (app::Both::*adjusted)() = &app::Right::right;
  int (hotswap_old::app::Both::*old_adjusted)() = nullptr;
  hotswap_migration_begin();
  EXPECT_FALSE(hotswap::transform(adjusted, old_adjusted));
  EXPECT_NE(std::string(hotswap_migration_error()).find("a member function of a base of app::Both"), std::string::npos)
      << hotswap_migration_error();
  EXPECT_EQ(old_adjusted, nullptr);
  hotswap_migration_clear();
}

// Going back, a function's entry the new code stored may lead into the patch's own code (a
// function the new release added or changed): the old code would call the new function.
// The runtime names that code for a revert; an entry into it fails the migration, one
// elsewhere (or a virtual member function's slot) goes back.
int patch_function(int x) { return x + 1; }
int program_function(int x) { return x + 2; }

TEST(TransformHelpers, AnEntryIntoThePatchsCodeDoesNotGoBack) {
  auto address = reinterpret_cast<std::uintptr_t>(&patch_function);
  int (*to)(int) = nullptr;
  hotswap_migration_begin();
  hotswap_migration_leaving_code(address, address + 1);
  int (*into_patch)(int) = &patch_function;
  EXPECT_FALSE(hotswap::transform(into_patch, to));
  EXPECT_NE(std::string(hotswap_migration_error()).find("leads into the patch's code"), std::string::npos)
      << hotswap_migration_error();
  EXPECT_EQ(to, nullptr);
  hotswap_migration_clear();

  hotswap_migration_begin();
  hotswap_migration_leaving_code(address, address + 1);
  int (*elsewhere)(int) = &program_function;
  EXPECT_TRUE(hotswap::transform(elsewhere, to));
  EXPECT_EQ(to, &program_function);
  int (hotswap_old::app::Node::*back)() = nullptr;
  EXPECT_FALSE(hotswap::transform(&app::Node::weight, back)) << "a virtual slot, refused as before";
  hotswap_migration_clear();

  hotswap_migration_begin();  // going forward: no code is left
  EXPECT_TRUE(hotswap::transform(into_patch, to));
  hotswap_migration_clear();
}

struct Shape {
  virtual ~Shape() = default;
  virtual int sides() const { return 0; }
};
struct Square : Shape {
  int sides() const override { return 4; }
};

// Going back, what is carried whole (its type did not change) is looked at too: a table of
// function pointers, a std::function, an owned object whose vtable the patch brought.
TEST(TransformHelpers, WhatIsCarriedWholeDoesNotGoBackIntoThePatch) {
  auto code = reinterpret_cast<std::uintptr_t>(&patch_function);
  auto refused = [&](auto& from, auto& to, const char* why) {
    hotswap_migration_begin();
    hotswap_migration_leaving_code(code, code + 1);
    EXPECT_FALSE(hotswap::transform(from, to)) << why;
    EXPECT_NE(std::string(hotswap_migration_error()).find(why), std::string::npos) << hotswap_migration_error();
    hotswap_migration_clear();
  };
  std::vector<int (*)(int)> table{&program_function, &patch_function}, table_to;
  refused(table, table_to, "a pointer to a function in the patch's code");
  EXPECT_EQ(table.size(), 2u) << "nothing moved";
  std::map<int, std::function<int(int)>> handlers{{1, &program_function}, {2, &patch_function}}, handlers_to;
  refused(handlers, handlers_to, "a std::function whose handler or target is code only the patch has");
  std::optional<std::pair<int, int (*)(int)>> held{{1, &patch_function}}, held_to;
  refused(held, held_to, "a pointer to a function in the patch's code");
  struct Callback {  // a plain struct of the program's, copied whole
    int id;
    int (*call)(int);
  };
  std::array<Callback, 2> callbacks{{{1, &program_function}, {2, &patch_function}}}, callbacks_to{};
  refused(callbacks, callbacks_to, "a pointer to a function in the patch's code");

  // An object of a class the patch brought: its vtable lies in the patch's data.
  std::unique_ptr<Shape> square = std::make_unique<Square>(), shape = std::make_unique<Shape>();
  auto to_owner = std::make_unique<std::unique_ptr<Shape>>();  // moved into: not on this stack
  std::unique_ptr<Shape>& to = *to_owner;
  std::uintptr_t vptr = 0;
  std::memcpy(&vptr, static_cast<const void*>(square.get()), sizeof vptr);
  hotswap_migration_begin();
  hotswap_migration_leaving_code(code, code + 1);
  hotswap_migration_leaving_data(0, 0, vptr, vptr + 1);
  EXPECT_FALSE(hotswap::transform(square, to));
  EXPECT_NE(std::string(hotswap_migration_error()).find("a class the patch brought"), std::string::npos)
      << hotswap_migration_error();
  EXPECT_NE(square, nullptr) << "nothing moved";
  EXPECT_TRUE(hotswap::transform(shape, to)) << "a class the running program has goes back";
  EXPECT_EQ(to->sides(), 0);
  hotswap_migration_clear();

  // With the runtime's table of entries, only a function's start is one: a return address
  // the program saved inside the patch's code is not called.
  std::uintptr_t entries[] = {code};
  struct Saved {
    std::uintptr_t where;
  } inside{code + 1}, inside_to{}, entry{code}, entry_to{};
  hotswap_migration_begin();
  hotswap_migration_leaving_code(code, code + 16);
  hotswap_migration_leaving_entries(entries, 1);
  EXPECT_TRUE(hotswap::transform(inside, inside_to));
  EXPECT_FALSE(hotswap::transform(entry, entry_to));
  hotswap_migration_clear();
  // Owners of what has no vtable to look at (void, an array, an incomplete class) go back
  // as they are.
  struct Opaque;
  auto handle = std::make_unique<std::unique_ptr<Opaque, void (*)(Opaque*)>>(nullptr, [](Opaque*) {});
  auto handle_to = std::make_unique<std::unique_ptr<Opaque, void (*)(Opaque*)>>(nullptr, [](Opaque*) {});
  static_assert(!hotswap::migration_detail::may_lead_out<std::unique_ptr<Opaque, void (*)(Opaque*)>>());
  auto token = std::make_unique<std::shared_ptr<void>>(std::make_shared<int>(7));
  auto token_to = std::make_unique<std::shared_ptr<void>>();
  auto none = std::make_unique<std::unique_ptr<Shape[]>>(std::make_unique<Shape[]>(0));
  auto none_to = std::make_unique<std::unique_ptr<Shape[]>>();
  hotswap_migration_begin();
  hotswap_migration_leaving_code(code, code + 1);
  hotswap_migration_leaving_data(0, 0, vptr, vptr + 1);
  EXPECT_TRUE(hotswap::transform(*token, *token_to));
  EXPECT_TRUE(hotswap::transform(*none, *none_to));
  EXPECT_TRUE(hotswap::transform(*handle, *handle_to));
  hotswap_migration_clear();

  // Going forward nothing is left behind, and what the program's own code holds goes back.
  hotswap_migration_begin();
  EXPECT_TRUE(hotswap::transform(table, table_to));
  EXPECT_TRUE(hotswap::transform(square, to));
  hotswap_migration_clear();
  hotswap_migration_begin();
  hotswap_migration_leaving_code(code, code + 1);
  std::vector<int (*)(int)> own{&program_function}, own_to;
  EXPECT_TRUE(hotswap::transform(own, own_to));
  Callback plain{1, &program_function}, plain_to{};
  EXPECT_TRUE(hotswap::transform(plain, plain_to));
  EXPECT_EQ(plain_to.call, &program_function);
  hotswap_migration_clear();
}

}  // namespace
