// Live type updates (docs/type-updates.md): a global struct changes while four threads
// transfer money through it and one waits in an idle scope. The sum of the balances never
// changes and the transfer count never goes back, across applies, reverts and refusals.
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "e2e_paths.h"
#include "process.h"

using namespace e2e;

namespace {

std::string bank_patch(const std::string& kind) { return out_dir() + "/bank/v1-v2." + kind + ".hsp"; }

struct Audit {
  std::string version;
  long sum = -1, transfers = -1, generation = -1;
};

// "v1 sum 8000 transfers 123 generation 1 [largest 49]"
Audit audit(Process& p) {
  std::istringstream in(p.ask("audit"));
  Audit a;
  std::string word;
  in >> a.version >> word >> a.sum >> word >> a.transfers >> word >> a.generation;
  return a;
}

// The process's update wait, for the tests that expect a refusal after it.
struct ShortUpdateWait {
  ShortUpdateWait() { setenv("HOTSWAP_UPDATE_TIMEOUT_MS", "400", 1); }
  ~ShortUpdateWait() { unsetenv("HOTSWAP_UPDATE_TIMEOUT_MS"); }
};

// Starts the bank's threads and waits until they have moved money.
void start(Process& p) {
  ASSERT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && audit(p).transfers < 1000; ++i) usleep(2000);
}

// Whether the bank's threads move money past `transfers` within a few seconds (they run
// on: nothing holds them).
bool transfers_go_past(Process& p, long transfers) {
  for (int i = 0; i < 1000; ++i) {
    if (audit(p).transfers > transfers) return true;
    usleep(2000);
  }
  return false;
}

}  // namespace

TEST(Types, AGlobalWhoseStructGainsAMemberMovesAndMovesBack) {
  // The patch is made with diff's generated transform file, unedited: the hit count moves
  // into the new Counter, whose new member starts at zero; revert's inverse moves it back.
  Process p(program("types", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(p.ask("touch"), "1");
  std::string applied = p.ask("apply " + out_dir() + "/types/v1-v2.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("migrated g_counter"), std::string::npos) << applied;
  EXPECT_EQ(p.ask("touch"), "2 100");
  EXPECT_EQ(p.ask("touch"), "3 200");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("touch"), "4");
  EXPECT_APPLIED(p.ask("apply " + out_dir() + "/types/v1-v2.hsp"));
  EXPECT_EQ(p.ask("touch"), "5 100");
}

TEST(Types, TwoStackedTypeChangesMoveTheNewestInstanceAndRevertInTurn) {
  Process p(program("types", "v1"));
  EXPECT_EQ(p.ask("touch"), "1");
  EXPECT_APPLIED(p.ask("apply " + out_dir() + "/types/v1-v2.hsp"));
  EXPECT_EQ(p.ask("touch"), "2 100");
  std::string applied = p.ask("apply " + out_dir() + "/types/v2-v3.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("migrated g_counter (Counter, 16 -> 24 bytes)"), std::string::npos) << applied;
  EXPECT_EQ(p.ask("touch"), "3 1100 1") << "v2's instance moved: hits and bytes kept";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("touch"), "4 1200") << "back into v2's instance";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("touch"), "5") << "back into the program's own";
}

TEST(Types, AStructChangedWhileFourThreadsUseItMovesWhole) {
  Process p(program("bank", "v1"));
  start(p);
  Audit before = audit(p);
  EXPECT_EQ(before.sum, 8000);
  std::string applied = p.ask("apply " + bank_patch("edited"));
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("migrated g_bank"), std::string::npos) << applied;
  Audit after = audit(p);
  EXPECT_EQ(after.version, "v2");
  EXPECT_EQ(after.sum, 8000);
  EXPECT_GE(after.transfers, before.transfers) << "the renamed member moved (the hand edit)";
  EXPECT_EQ(after.generation, 1) << "the widened member kept its value";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Audit back = audit(p);
  EXPECT_EQ(back.version, "v1");
  EXPECT_EQ(back.sum, 8000);
  EXPECT_GE(back.transfers, after.transfers) << "the inverse moved the count back";
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Types, TwoHundredCyclesUnderFourThreadsKeepTheInvariant) {
  Process p(program("bank", "v1"));
  start(p);
  long last = 0;
  for (int i = 0; i < 200 && !::testing::Test::HasFailure(); ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + bank_patch("edited")), "ok applied")) << i;
    Audit a = audit(p);
    EXPECT_EQ(a.version, "v2") << i;
    EXPECT_EQ(a.sum, 8000) << i;
    EXPECT_GE(a.transfers, last) << i;
    last = a.transfers;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
    Audit b = audit(p);
    EXPECT_EQ(b.version, "v1") << i;
    EXPECT_EQ(b.sum, 8000) << i;
    EXPECT_GE(b.transfers, last) << i;
    last = b.transfers;
  }
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Types, ARefusingOrThrowingTransformerChangesNothing) {
  Process p(program("bank", "v1"));
  std::string version = p.ask("version");
  start(p);
  EXPECT_REFUSED(p.ask("apply " + bank_patch("refusing")), "the auditors refuse the new ledger");
  EXPECT_REFUSED(p.ask("apply " + bank_patch("throwing")), "not a std::exception");
  EXPECT_EQ(p.ask("version"), version);
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(a.sum, 8000);
  EXPECT_TRUE(transfers_go_past(p, a.transfers)) << "the threads run on";
  EXPECT_APPLIED(p.ask("apply " + bank_patch("edited")));
  EXPECT_EQ(audit(p).sum, 8000);
  EXPECT_EQ(p.ask("stop"), "stopped");
}

namespace {

// The bank with one more thread, started by `command` (the program answers once that
// thread runs as the command says): the edited patch is refused for `why` with nothing
// changed and the bank's threads going on; once that thread is released (and has ended),
// the patch applies and the money is all there.
void expect_refused_until_released(const std::string& command, const std::string& started, const std::string& why) {
  Process p(program("bank", "v1"));
  std::string version = p.ask("version");
  start(p);
  EXPECT_EQ(p.ask(command), started);
  EXPECT_REFUSED(p.ask("apply " + bank_patch("edited")), why);
  EXPECT_EQ(p.ask("version"), version);
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v1");
  EXPECT_TRUE(transfers_go_past(p, a.transfers)) << "the held threads were let go";
  EXPECT_EQ(p.ask("release"), "released");
  EXPECT_APPLIED(p.ask("apply " + bank_patch("edited")));
  EXPECT_EQ(audit(p).sum, 8000);
  EXPECT_EQ(p.ask("stop"), "stopped");
  // The refused copy of the patch left nothing to run at exit (the applied copy may lie
  // where it was).
  EXPECT_EQ(p.quit(), 0);
}

}  // namespace

TEST(Types, AThreadHoldingAPointerAtItsUpdatePointRefusesTheUpdate) {
  expect_refused_until_released("hold", "holding", "holds a pointer to g_bank at its update point");
}

TEST(Types, AThreadHoldingAPointerOnlyInARegisterInItsIdleScopeRefusesTheUpdate) {
  // Its idle scope's frames are gone while it waits, and the kernel keeps its registers: the
  // callee-saved ones, captured where it entered the scope, are scanned like its stack.
  for (const char* reg : {"rbx", "r12", "r13", "r14", "r15"}) {
    SCOPED_TRACE(reg);
    expect_refused_until_released(std::string("hold-in ") + reg, "holding in a register",
                                  "holds a pointer to g_bank at its idle scope");
  }
}

TEST(Types, AThreadThatStopsReachingUpdatePointsTimesOutTheUpdate) {
  ShortUpdateWait wait;
  expect_refused_until_released("stall", "stalling", "reached no update point or idle scope in time");
}

TEST(Types, AThreadTakingNoPartThatRunsReplacedCodeTimesOutTheUpdate) {
  ShortUpdateWait wait;
  expect_refused_until_released("hog", "hogging", "takes no part in updates");
}

TEST(Types, AThreadParkedInsideReplacedCodeRefusesTheUpdate) {
  // Its update point is inside inner_loop(), which uses the bank: after the update it would
  // go on in the old code, writing the old instance.
  expect_refused_until_released("inner", "looping inside", "inside inner_loop(), which the patch replaces");
}

TEST(Types, AThreadParkedInsideAColdPartOfReplacedCodeRefusesTheUpdate) {
  // GCC splits cold_loop()'s unlikely branch off as cold_loop.cold, a symbol of its own
  // outside cold_loop's range. The thread's only frame in cold_loop's code is there.
#if defined(__GNUC__) && !defined(__clang__)
  EXPECT_EQ(std::system(("nm " + program("bank", "v1") + " | grep -q ' _Z9cold_loopv.cold$'").c_str()), 0)
      << "the program no longer has the cold part this test is about";
#endif
  expect_refused_until_released("inner-cold", "looping inside, cold", "inside cold_loop(), which the patch replaces");
}

TEST(Types, AThreadParkedInAClonesColdPartRefusesTheUpdate) {
  // The clone scale.constprop.0 and its cold part, entered by a tail call: the thread has no
  // frame in the functions the patch changes (use1, use2), and the clone's root is gone.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(std::system(("nm " + program("clonepark", "v1") + " | grep -q ' _ZL5scalell.constprop.0.cold$'").c_str()), 0)
      << "the program no longer has the clone this test is about";
#endif
  Process p(program("clonepark", "v1"));
  std::string patch = out_dir() + "/clonepark/v1-v2.hsp";
  EXPECT_EQ(p.ask("park"), "parked");
  std::string refused = p.ask("apply " + patch);
  EXPECT_TRUE(starts_with(refused, "refused patch refused")) << refused;
  EXPECT_NE(refused.find("which the patch replaces"), std::string::npos) << refused;
  EXPECT_EQ(p.ask("release"), "released");
  EXPECT_APPLIED(p.ask("apply " + patch));
  EXPECT_EQ(p.ask("use"), "-12");
  EXPECT_EQ(p.quit(), 0);
}

TEST(Types, AThreadThatCannotBeSeenRefusesTheUpdate) {
  // It takes no part and blocks every signal: whether it runs replaced code is unknown.
  ShortUpdateWait wait;
  expect_refused_until_released("hog-unseen", "hogging unseen", "could not be seen");
}

TEST(Types, ApplyingFromInsideReplacedCodeIsRefusedAtOnce) {
  // The applying thread would return into the old apply_from_inside(): refused, naming it,
  // without waiting for a timeout that cannot help.
  Process p(program("bank", "v1"));
  start(p);
  std::string answer = p.ask("apply-inside " + bank_patch("edited"));
  EXPECT_TRUE(starts_with(answer, "refused patch refused")) << answer;
  EXPECT_NE(answer.find("the thread applying the patch is inside apply_from_inside"), std::string::npos) << answer;
  EXPECT_EQ(audit(p).version, "v1");
  EXPECT_APPLIED(p.ask("apply " + bank_patch("edited")));
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Types, APatchWithoutInversesCannotBeReverted) {
  Process p(program("bank", "v1"));
  start(p);
  EXPECT_APPLIED(p.ask("apply " + bank_patch("forward-only")));
  std::string reverted = p.ask("revert");
  EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
  EXPECT_NE(reverted.find("no inverse transformer for g_bank"), std::string::npos) << reverted;
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v2");
  EXPECT_EQ(a.sum, 8000);
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Types, ARevertIsRefusedWhileAGlobalLeadsIntoTheNewCode) {
  // Globals the migration does not carry (their types did not change) that the new release
  // pointed at code only it has: the old release would call it after the revert. Refused,
  // naming each, until the program lets go of it.
  Process p(program("bank", "v1"));
  start(p);
  EXPECT_EQ(p.ask("callbacks greeting"), "callbacks hello 0");
  EXPECT_APPLIED(p.ask("apply " + bank_patch("edited")));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << "the old release's own function is no reason to refuse";
  EXPECT_APPLIED(p.ask("apply " + bank_patch("edited")));
  EXPECT_EQ(p.ask("callbacks greeting"), "callbacks hello from the bank 0");
  std::string reverted = p.ask("revert");
  EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
  EXPECT_NE(reverted.find(" holds the address of bank_greeting"), std::string::npos) << reverted;
  EXPECT_EQ(reverted.rfind("refused revert failed: g_greeting", 0), 0u) << reverted;
  EXPECT_EQ(audit(p).version, "v2") << "a refused revert leaves the update in place";
  EXPECT_EQ(audit(p).sum, 8000);
  // A std::function: its manager and invoker are those of a lambda only the new release has
  // (a lambda of a function both have keeps its name, and its invoker is redirected).
  EXPECT_TRUE(starts_with(p.ask("callbacks off"), "callbacks none 0"));
  std::string rule = p.ask("callbacks rule");
  EXPECT_TRUE(starts_with(rule, "callbacks none ")) << rule;
  reverted = p.ask("revert");
  EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
  EXPECT_NE(reverted.find("g_rule holds "), std::string::npos) << reverted;
  EXPECT_EQ(audit(p).version, "v2");
  EXPECT_TRUE(starts_with(p.ask("callbacks off"), "callbacks none 0"));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Audit a = audit(p);
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(a.sum, 8000);
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Types, ARevertIsRefusedWhileWhatIsCarriedWholeLeadsIntoTheNewCode) {
  // g_hooks changed type; its std::function, table of function pointers and owned Shape did
  // not, and are carried whole, both ways. What release 1 set goes forward and back.
  Process p(program("hooks", "v1"));
  std::string patch = out_dir() + "/hooks/v1-v2.hsp";
  for (const char* hook : {"rule", "table", "shape"}) p.ask(std::string("set ") + hook);
  EXPECT_EQ(p.ask("describe"), "v1 rule 10 table 1 shape 3 count 3");
  EXPECT_APPLIED(p.ask("apply " + patch));
  EXPECT_EQ(p.ask("describe"), "v2 rule 10 table 1 shape 3 count 3 since 0");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("describe"), "v1 rule 10 table 1 shape 3 count 3");
  // What release 2 sets leads into its own code (a lambda, a function, a class's vtable):
  // the revert is refused, naming it, until the program lets go of it.
  EXPECT_TRUE(starts_with(p.ask("set off"), "v1 rule 0 table 0 shape 0"));
  struct Case {
    const char* hook;
    const char* found;
  };
  for (Case c : {Case{"rule", "a std::function whose handler or target is code only the patch has"},
                 Case{"table", "a pointer to a function in the patch's code"},
                 Case{"shape", "an object of a class the patch brought"},
                 Case{"tls", "t_hook (this thread's) holds the address of app::two()"}}) {
    SCOPED_TRACE(c.hook);
    EXPECT_APPLIED(p.ask("apply " + patch));
    EXPECT_TRUE(starts_with(p.ask(std::string("set ") + c.hook), "v2 ")) << c.hook;
    std::string reverted = p.ask("revert");
    EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
    EXPECT_NE(reverted.find(c.found), std::string::npos) << reverted;
    EXPECT_TRUE(starts_with(p.ask("describe"), "v2 ")) << "a refused revert leaves the update in place";
    EXPECT_TRUE(starts_with(p.ask("set off"), "v2 rule 0 table 0 shape 0"));
    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
    EXPECT_TRUE(starts_with(p.ask("describe"), "v1 rule 0 table 0 shape 0"));
  }
  // An address inside the new code that is no function's entry (a return address the
  // program saved) is not called: no reason to refuse.
  EXPECT_APPLIED(p.ask("apply " + patch));
  EXPECT_TRUE(starts_with(p.ask("set trace"), "v2 "));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.quit(), 0);
}

TEST(Types, ARevertIsRefusedWhileAParkedThreadHoldsAnAddressInTheNewCode) {
  // The thread waits at update points in code both releases share, with the address of a
  // function only release 2 has in a local: after the revert it would call it.
  Process p(program("hooks", "v1"));
  std::string patch = out_dir() + "/hooks/v1-v2.hsp";
  EXPECT_APPLIED(p.ask("apply " + patch));
  EXPECT_TRUE(starts_with(p.ask("set park"), "v2 "));
  std::string reverted = p.ask("revert");
  EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
  EXPECT_NE(reverted.find("holds the address of a function in the patch's code at its update point"), std::string::npos) << reverted;
  EXPECT_TRUE(starts_with(p.ask("describe"), "v2 "));
  EXPECT_EQ(p.ask("release"), "released");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  // Holding the old release's own function is no reason to refuse, either way.
  EXPECT_TRUE(starts_with(p.ask("set park"), "v1 "));
  EXPECT_APPLIED(p.ask("apply " + patch));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("release"), "released");
  EXPECT_EQ(p.quit(), 0);
}

TEST(Types, ATableNeverWrittenTakesTheNewInitialValue) {
  // Neither table was written: both take v2's initial values, and the generated transform
  // file (which cannot convert arrays) is never called.
  Process p(program("tables", "v1"));
  EXPECT_EQ(p.ask("name 1"), "beta");
  std::string applied = p.ask("apply " + out_dir() + "/tables/v1-v2.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_NE(applied.find("never written: the new initial value"), std::string::npos) << applied;
  EXPECT_EQ(p.ask("name 2"), "gamma");
  EXPECT_EQ(p.ask("count 2"), "1");
  EXPECT_EQ(p.ask("limit 2"), "30") << "a constant that grew needs no transformer: it is the new one";
  EXPECT_EQ(p.ask("tick"), "1001") << "a function-local static never reached is constructed by the new code";
  EXPECT_EQ(p.ask("after-updates"), std::to_string(1 + 10 * 'g')) << "the hook ran once, after the tables moved";
  EXPECT_EQ(applied.find("g_limits"), std::string::npos) << applied;
}

TEST(Types, AWrittenTableMovesElementByElementAndBack) {
  Process p(program("tables", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(p.ask("count 0"), "1");  // g_counts now differs from its initial value
  std::string applied = p.ask("apply " + out_dir() + "/tables/v1-v2.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_EQ(applied.find("g_counts (long int[3], 8 -> 24 bytes, never written"), std::string::npos) << applied;
  EXPECT_EQ(p.ask("count 0"), "2") << "int[2] -> long[3]: each element converted";
  EXPECT_EQ(p.ask("count 2"), "1") << "the new element keeps the new release's initial value";
  EXPECT_EQ(p.ask("name 2"), "gamma");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("count 0"), "3") << "the inverse converted the elements the old table has";
}

TEST(Types, AFunctionLocalStaticMovesOnceAndIsNotConstructedAgain) {
  Process p(program("tables", "v1"));
  EXPECT_EQ(p.ask("tick"), "1");
  EXPECT_EQ(p.ask("tick"), "2");
  std::string applied = p.ask("apply " + out_dir() + "/tables/v1-v2.hsp");
  EXPECT_APPLIED(applied);
  EXPECT_EQ(p.ask("tick"), "3001") << "n moved (2), the new member starts at 0";
  EXPECT_EQ(p.ask("tick"), "4002");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("tick"), "5") << "the inverse moved n back";
}

TEST(CApi, ACProgramTakesACodeChangeAndAStructChangeAndReverts) {
  Process p(program("capi", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(version.size(), 40u + 3) << version;  // hex build-id, a space, its length 40
  EXPECT_EQ(p.ask("truncated"), version.substr(0, 3) + " 40") << "cut to fit, NUL-terminated";
  EXPECT_EQ(p.ask("work"), "2");
  EXPECT_EQ(p.ask("hit"), "1");
  EXPECT_EQ(p.ask("hit"), "2");
  std::string applied = p.ask("apply " + out_dir() + "/capi/v1-v2.hsp");
  EXPECT_TRUE(starts_with(applied, "ok applied")) << applied;
  EXPECT_NE(applied.find("migrated g_stats"), std::string::npos) << applied;
  EXPECT_EQ(p.ask("work"), "3");
  EXPECT_EQ(p.ask("hit"), "30") << "hits moved (2), widened, and the new _Bool was set";
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("work"), "2");
  EXPECT_EQ(p.ask("hit"), "4") << "the inverse moved hits back";
  EXPECT_TRUE(starts_with(p.ask("apply /nonexistent.hsp"), "refused ")) << "a refusal comes back as -1";
}
