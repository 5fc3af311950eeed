// Heap state moving live (docs/type-updates.md): sessions behind a map of unique_ptr, carts
// in vectors, peers by raw pointer and an item shared by several owners, in namespaces and
// declared in the program's header, changed by release 2 while four threads serve them and
// one waits in an idle scope. The patch is made from diff's generated transform file,
// unedited. After every apply and revert the invariants hold: requests add up, every peer is
// the next session, shared items are still shared, the last-served pointer is a live session.
#include <unistd.h>

#include <sstream>

#include "e2e_paths.h"
#include "process.h"

using namespace e2e;

namespace {

std::string patch() { return out_dir() + "/sessions/v1-v2.hsp"; }

struct Audit {
  std::string version;
  long sessions = -1, requests = -1;
  std::string rest;  // "sum ok peers ok shared ok last ok featured-owners N"
};

// "v1 sessions 64 requests 1234 sum ok peers ok shared ok last ok featured-owners 33"
Audit audit(Process& p) {
  std::istringstream in(p.ask("audit"));
  Audit a;
  std::string word;
  in >> a.version >> word >> a.sessions >> word >> a.requests;
  std::getline(in, a.rest);
  return a;
}

constexpr const char* kHealthy = " sum ok peers ok shared ok last ok featured-owners 33";

void start(Process& p) {
  ASSERT_EQ(p.ask("open 64"), "opened");
  ASSERT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && audit(p).requests < 2000; ++i) usleep(2000);
}

}  // namespace

TEST(HeapState, ObjectsBehindContainersAndPointersMoveUnderFourThreadsAndBack) {
  Process p(program("sessions", "v1"));
  start(p);
  Audit before = audit(p);
  EXPECT_EQ(before.rest, kHealthy);
  std::string applied = p.ask("apply " + patch());
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("migrated app::g_store"), std::string::npos) << applied;
  EXPECT_NE(applied.find("app::Session 64"), std::string::npos) << "every session counted: " << applied;
  Audit after = audit(p);
  EXPECT_EQ(after.version, "v2");
  EXPECT_EQ(after.sessions, 64);
  EXPECT_GE(after.requests, before.requests);
  EXPECT_EQ(after.rest, kHealthy) << "one featured item, owned by the store and 32 sessions, as before";
  std::string d = p.ask("describe 5");
  EXPECT_TRUE(starts_with(d, "v2 user-5- unknown-agent requests ")) << "a new member took its default: " << d;
  EXPECT_NE(d.find("@250"), std::string::npos) << "new items' price took its default: " << d;

  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Audit back = audit(p);
  EXPECT_EQ(back.version, "v1");
  EXPECT_GE(back.requests, after.requests) << "the inverse moved every request count back";
  EXPECT_EQ(back.rest, kHealthy);
  EXPECT_TRUE(starts_with(p.ask("describe 5"), "v1 user-5- requests "));
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(HeapState, TwoStackedPatchesThatMoveHeapObjectsApplyAndRevertInTurn) {
  // Release 3 changes the same types again, on top of release 2: the second patch's
  // transformers read the first patch's objects, and each revert moves them one step back.
  const std::string v3 = out_dir() + "/sessions/v2-v3.hsp";
  Process p(program("sessions", "v1"));
  start(p);
  for (int round = 0; round < 2 && !::testing::Test::HasFailure(); ++round) {
    EXPECT_APPLIED(p.ask("apply " + patch()));
    Audit two = audit(p);
    EXPECT_EQ(two.version, "v2") << round;
    EXPECT_EQ(two.rest, kHealthy) << round;
    std::string applied = p.ask("apply " + v3);
    EXPECT_APPLIED(applied);
    EXPECT_NE(applied.find("app::Session 64"), std::string::npos) << applied;
    Audit three = audit(p);
    EXPECT_EQ(three.version, "v3") << round;
    EXPECT_EQ(three.rest, kHealthy) << round;
    EXPECT_GE(three.requests, two.requests) << round;
    std::string d = p.ask("describe 5");
    EXPECT_TRUE(starts_with(d, "v3 user-5- unknown-agent priority 3 requests ")) << d;
    EXPECT_NE(d.find("@250/no-note"), std::string::npos) << "items carried through both patches: " << d;

    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << round;
    Audit back = audit(p);
    EXPECT_EQ(back.version, "v2") << round;
    EXPECT_EQ(back.rest, kHealthy) << round;
    EXPECT_GE(back.requests, three.requests) << round;
    EXPECT_TRUE(starts_with(p.ask("describe 5"), "v2 user-5- unknown-agent requests ")) << round;
    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << round;
    Audit first = audit(p);
    EXPECT_EQ(first.version, "v1") << round;
    EXPECT_EQ(first.rest, kHealthy) << round;
    EXPECT_GE(first.requests, back.requests) << round;
  }
  EXPECT_APPLIED(p.ask("apply " + patch()));
  EXPECT_APPLIED(p.ask("apply " + v3));
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_EQ(p.quit(), 0) << "exit with both patches applied";
}

// Maps keyed by a class that changed (catalog: a std::map and a std::unordered_map keyed by
// app::Sku, which gains a member): each key moves into a node of its own that joins the new
// map in its order or hash, while four threads move units between the maps. The edited
// transform file orders and hashes the old key, so the revert can place keys back; twenty
// cycles keep the units and both maps' order and hashing.
TEST(HeapState, MapsKeyedByAChangedClassMoveKeyByKeyUnderFourThreadsAndBack) {
  const std::string edited = out_dir() + "/catalog/v1-v2.edited.hsp";
  const std::string healthy = " skus 64 units 6400 ordered ok hashed ok";
  const std::string returns = " returns ok";  // the nested class's map, the const and reference members
  Process p(program("catalog", "v1"));
  ASSERT_EQ(p.ask("open 64"), "opened");
  ASSERT_EQ(p.ask("start"), "started");
  for (int cycle = 0; cycle < 20 && !::testing::Test::HasFailure(); ++cycle) {
    EXPECT_EQ(p.ask("audit"), "v1" + healthy + returns) << cycle;
    std::string applied = p.ask("apply " + edited);
    EXPECT_APPLIED(applied);
    std::size_t keys = applied.find("app::Sku ");
    ASSERT_NE(keys, std::string::npos) << applied;
    EXPECT_GE(std::stoul(applied.substr(keys + 9)), 128u) << "every key of the three maps moved: " << applied;
    EXPECT_EQ(p.ask("audit"), "v2" + healthy + " warehouses ok" + returns) << cycle;
    std::string reverted = p.ask("revert");
    EXPECT_TRUE(starts_with(reverted, "ok reverted")) << reverted;
  }
  EXPECT_EQ(p.ask("audit"), "v1" + healthy + returns);
  EXPECT_APPLIED(p.ask("apply " + edited));
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_EQ(p.quit(), 0) << "exit with the keyed maps moved";
}

// The generated file, unedited, moves the keyed maps forward; going back the old key has no
// order or hash in the transform unit, so the revert is refused with nothing changed.
TEST(HeapState, AMapKeyedByAnOldLayoutWithoutOrderRefusesTheRevertAndKeepsItsState) {
  Process p(program("catalog", "v1"));
  ASSERT_EQ(p.ask("open 16"), "opened");
  ASSERT_EQ(p.ask("start"), "started");
  EXPECT_APPLIED(p.ask("apply " + out_dir() + "/catalog/v1-v2.hsp"));
  const std::string moved = "v2 skus 16 units 1600 ordered ok hashed ok warehouses ok returns ok";
  EXPECT_EQ(p.ask("audit"), moved);
  std::string refused = p.ask("revert");
  EXPECT_TRUE(starts_with(refused, "refused revert")) << refused;
  EXPECT_NE(refused.find("cannot place its keys"), std::string::npos) << refused;
  EXPECT_EQ(p.ask("audit"), moved) << "the refused revert changed nothing";
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_EQ(p.quit(), 0);
}

TEST(HeapState, AThreadHoldingAnOldObjectAtItsUpdatePointRefusesTheUpdateWithNothingChanged) {
  // The update point's promise, checked: a thread parked with a session's address on its
  // stack would go on with an object the update destroys. Found after the transformers
  // ran (only they know every object that moves), before anything is redirected: the
  // members already moved go back.
  Process p(program("sessions", "v1"));
  start(p);
  ASSERT_EQ(p.ask("hold 7"), "holding");
  std::string refused = p.ask("apply " + patch());
  EXPECT_REFUSED(refused, "holds a pointer to an old app::Session at its update point");
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(a.rest, kHealthy);
  EXPECT_TRUE(starts_with(p.ask("describe 7"), "v1 user-7- requests ")) << "its user moved out and back";
  ASSERT_EQ(p.ask("release"), "released");
  EXPECT_APPLIED(p.ask("apply " + patch()));
  EXPECT_EQ(audit(p).rest, kHealthy);

  ASSERT_EQ(p.ask("hold 3"), "holding");  // a release-2 session, held across the revert
  std::string kept = p.ask("revert");
  EXPECT_TRUE(starts_with(kept, "refused ")) << kept;
  EXPECT_NE(kept.find("holds a pointer to an old app::Session at its update point"), std::string::npos) << kept;
  EXPECT_EQ(audit(p).version, "v2");
  EXPECT_EQ(audit(p).rest, kHealthy);
  ASSERT_EQ(p.ask("release"), "released");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(audit(p).rest, kHealthy);
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_EQ(p.quit(), 0);
}

namespace {

// "v1 shape 6 the-global-one shapes 4 shape area 30 draws N", without the draws.
std::string shapes_audit(Process& p) {
  std::string a = p.ask("audit");
  return a.substr(0, a.find(" draws "));
}

}  // namespace

TEST(HeapState, ClassesWithVirtualFunctionsAreRebuiltWithTheNewVtableAndBack) {
  // A global Shape by value, four behind unique_ptr in a vector and two in a map: each
  // becomes a new object of the new release (its area counts the new depth, through its
  // vtable); the revert rebuilds the old. A refused apply abandons the new objects it made
  // (the map's are done first) rather than destroy them with the old release's code.
  Process p(program("shapes", "v1"));
  ASSERT_EQ(p.ask("fill 4"), "filled");
  ASSERT_EQ(p.ask("start"), "started");
  EXPECT_EQ(shapes_audit(p), "v1 shape 6 the-global-one shapes 4 shape area 42");
  for (int round = 0; round < 3 && !::testing::Test::HasFailure(); ++round) {
    std::string applied = p.ask("apply " + out_dir() + "/shapes/v1-v2.hsp");
    EXPECT_APPLIED(applied);
    EXPECT_NE(applied.find("art::Shape 7"), std::string::npos) << applied;
    EXPECT_EQ(shapes_audit(p), "v2 shape 60 the-global-one shapes 4 shape area 420") << round;
    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << round;
    EXPECT_EQ(shapes_audit(p), "v1 shape 6 the-global-one shapes 4 shape area 42") << round;
  }

  // A Square behind a unique_ptr<Shape>: a new Shape cannot stand for it ("an old
  // art::Shape is an object of another class").
  ASSERT_EQ(p.ask("add-square"), "added");
  EXPECT_REFUSED(p.ask("apply " + out_dir() + "/shapes/v1-v2.hsp"), "is an object of another class");
  EXPECT_EQ(shapes_audit(p), "v1 shape 6 the-global-one shapes 5 shape,square area 48") << "nothing changed";
  ASSERT_EQ(p.ask("drop-squares"), "dropped");
  EXPECT_APPLIED(p.ask("apply " + out_dir() + "/shapes/v1-v2.hsp"));
  EXPECT_EQ(shapes_audit(p), "v2 shape 60 the-global-one shapes 4 shape area 420");

  // The same going back: a Square made by release 2 cannot be rebuilt as an old Shape.
  ASSERT_EQ(p.ask("add-square"), "added");
  std::string kept = p.ask("revert");
  EXPECT_TRUE(starts_with(kept, "refused ")) << kept;
  EXPECT_NE(kept.find("an object of art::Square behind a pointer to art::Shape"), std::string::npos) << kept;
  EXPECT_EQ(shapes_audit(p), "v2 shape 60 the-global-one shapes 5 shape,square area 480") << "nothing changed";
  ASSERT_EQ(p.ask("drop-squares"), "dropped");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(shapes_audit(p), "v1 shape 6 the-global-one shapes 4 shape area 42");
  EXPECT_APPLIED(p.ask("apply " + out_dir() + "/shapes/v1-v2.hsp"));
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_EQ(p.quit(), 0) << "exit with the patch applied";
}

TEST(HeapState, ThirtyCyclesUnderFourThreadsKeepEveryInvariant) {
  Process p(program("sessions", "v1"));
  start(p);
  long last = 0;
  for (int i = 0; i < 30 && !::testing::Test::HasFailure(); ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch()), "ok applied")) << i;
    Audit a = audit(p);
    EXPECT_EQ(a.version, "v2") << i;
    EXPECT_EQ(a.rest, kHealthy) << i;
    EXPECT_GE(a.requests, last) << i;
    last = a.requests;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
    Audit b = audit(p);
    EXPECT_EQ(b.version, "v1") << i;
    EXPECT_EQ(b.rest, kHealthy) << i;
    EXPECT_GE(b.requests, last) << i;
    last = b.requests;
  }
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(HeapState, AQuantityThatNoLongerFitsRefusesTheRevertAndChangesNothing) {
  // v2 widened Item::quantity to long; a cart quantity beyond int's range cannot go back.
  Process p(program("sessions", "v1"));
  ASSERT_EQ(p.ask("open 4"), "opened");
  EXPECT_APPLIED(p.ask("apply " + patch()));
  ASSERT_EQ(p.ask("serve 0"), "served");
  std::string before = p.ask("describe 0");
  ASSERT_EQ(p.ask("overflow 0"), "overflowed") << "v2 sets a quantity of 2^40";
  std::string reverted = p.ask("revert");
  EXPECT_TRUE(starts_with(reverted, "refused")) << reverted;
  EXPECT_NE(reverted.find("does not fit in int"), std::string::npos) << reverted;
  EXPECT_NE(reverted.find("nothing changed"), std::string::npos) << reverted;
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v2");
  EXPECT_EQ(a.rest, " sum ok peers ok shared ok last ok featured-owners 3");
  EXPECT_NE(p.ask("describe 0").find("x1099511627776@250"), std::string::npos) << "the new state is intact";
}

// A revert that fails once nearly every object has been rebuilt in the old layout: what it
// built is destroyed, not left allocated (no class the store holds has a destructor of its
// own or virtual functions). Abandoned, each refused revert would keep some 2000 sessions
// with their carts, hundreds of kilobytes; twenty of them leave the heap where it was.
TEST(HeapState, AFailedMigrationDestroysWhatItBuilt) {
  Process p(program("sessions", "v1"));
  ASSERT_EQ(p.ask("open 2000"), "opened");
  EXPECT_APPLIED(p.ask("apply " + patch()));
  ASSERT_EQ(p.ask("overflow -1"), "overflowed");
  std::string refused = p.ask("revert");
  ASSERT_TRUE(starts_with(refused, "refused")) << refused;
  ASSERT_NE(refused.find("does not fit in int"), std::string::npos) << refused;
  long before = std::stol(p.ask("heap"));
  for (int i = 0; i < 20; ++i) {
    refused = p.ask("revert");
    ASSERT_TRUE(starts_with(refused, "refused")) << refused;
  }
  long grown = std::stol(p.ask("heap")) - before;
  EXPECT_LT(grown, 256 * 1024) << "twenty failed reverts kept " << grown << " bytes";
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v2");
  EXPECT_EQ(a.sessions, 2000);
}

namespace {

// "v1 shapes 24 edits E sum ok nested ok templates ok digest D [defaults ok]"
struct Canvas {
  std::string version, sum, nested, templates, digest, defaults;
  long shapes = -1, edits = -1;
};

Canvas canvas(Process& p) {
  std::istringstream in(p.ask("audit"));
  Canvas c;
  std::string word;
  in >> c.version >> word >> c.shapes >> word >> c.edits >> word >> c.sum >> word >> c.nested >> word >> c.templates >>
      word >> c.digest >> word >> c.defaults;
  return c;
}

}  // namespace

TEST(HeapState, EveryFormOfStateMovesUnderFourThreadsAndBack) {
  // A derived class whose base grew, bit-fields that widened, an enum whose underlying type
  // grew, an anonymous union, a class held in a map, an optional, a deque, a list and a C
  // array, nested classes (one in a class that changes with it, one in a class that does
  // not), and instances of the program's class template; the unedited generated transform
  // file.
  Process p(program("forms", "v1"));
  ASSERT_EQ(p.ask("fill"), "filled");
  Canvas still = canvas(p);
  ASSERT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && canvas(p).edits < 1000; ++i) usleep(2000);
  std::string applied = p.ask("apply " + out_dir() + "/forms/v1-v2.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("geo::Shape 24"), std::string::npos) << "every shape counted: " << applied;
  Canvas after = canvas(p);
  EXPECT_EQ(after.version, "v2");
  EXPECT_EQ(after.shapes, 24);
  EXPECT_EQ(after.sum, "ok") << "every edit's side count moved";
  EXPECT_EQ(after.nested, "ok") << "the nested classes' objects moved, every stroke's width with them";
  EXPECT_EQ(after.templates, "ok") << "the template instances moved, by value, in a deque and in a variant";
  EXPECT_EQ(after.digest, still.digest) << "tags, colours, bit-fields, the union and labels moved as they were";
  EXPECT_EQ(after.defaults, "ok") << "the new members (in the base too) took their defaults";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Canvas back = canvas(p);
  EXPECT_EQ(back.version, "v1");
  EXPECT_EQ(back.sum, "ok");
  EXPECT_EQ(back.nested, "ok");
  EXPECT_EQ(back.templates, "ok");
  EXPECT_EQ(back.digest, still.digest);
  EXPECT_GE(back.edits, after.edits);
  EXPECT_EQ(p.ask("stop"), "stopped");
}

// The program's static destructors run at exit on whatever instance they were registered
// for: the running one (emptied as an object of its old type) and the patch's (of the new
// type). Exiting while the patch is applied, and after it was reverted, must find each
// destroyed by its own release's destructor.
TEST(HeapState, TheProgramExitsCleanlyWithATypeChangingPatchAppliedOrReverted) {
  {
    Process p(program("forms", "v1"));
    ASSERT_EQ(p.ask("fill"), "filled");
    EXPECT_APPLIED(p.ask("apply " + out_dir() + "/forms/v1-v2.hsp"));
    EXPECT_EQ(p.quit(), 0) << "exit while applied";
  }
  {
    Process p(program("forms", "v1"));
    ASSERT_EQ(p.ask("fill"), "filled");
    EXPECT_APPLIED(p.ask("apply " + out_dir() + "/forms/v1-v2.hsp"));
    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
    EXPECT_EQ(p.quit(), 0) << "exit after revert";
  }
}
