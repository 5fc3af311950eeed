// What becomes of reverted patches (docs/ARCHITECTURE.md, "Reverted patches"): by default
// they are kept and reused when the same patch applies again, disturbing no thread; with
// HOTSWAP_RECLAIM=scan they are reclaimed once a scan of the held process finds nothing
// that can reach them. Each reclamation test builds a way a patch stays reachable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "e2e_paths.h"
#include "process.h"

namespace {

using e2e::patch;
using e2e::program;
using e2e::starts_with;

// `mappings` counts the anonymous mappings within 4 GiB above the executable's first page,
// where patch memory lies (malloc's arenas for new threads, which the control plane starts
// when other programs connect, lie far from it).
struct Footprint {
  long mappings = 0, rss_kb = 0;
};
Footprint footprint(const std::string& pid) {
  Footprint f;
  std::ifstream maps("/proc/" + pid + "/maps");
  unsigned long long executable = 0;
  for (std::string line; std::getline(maps, line);) {
    unsigned long long lo = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
    bool anonymous = line.find('/') == std::string::npos && line.find('[') == std::string::npos;
    if (!executable && !anonymous) executable = lo;
    if (anonymous && executable && lo > executable && lo - executable < (4ull << 30)) ++f.mappings;
  }
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);)
    if (starts_with(line, "VmRSS:")) f.rss_kb = std::stol(line.substr(6));
  return f;
}

// Programs started while it lives reclaim reverted patches by scanning.
struct ScanReclaim {
  ScanReclaim() { setenv("HOTSWAP_RECLAIM", "scan", 1); }
  ~ScanReclaim() { unsetenv("HOTSWAP_RECLAIM"); }
};

void thousand_cycles_keep_memory_flat(Process& p) {
  std::string pid = p.ask("pid");
  auto cycle = [&](int i) {
    std::string applied = p.ask("apply " + patch("basic", "v1", "v2"));
    ASSERT_TRUE(starts_with(applied, "ok applied")) << i << ": " << applied;
    ASSERT_EQ(p.ask("compute"), "110");
    std::string reverted = p.ask("revert");
    ASSERT_TRUE(starts_with(reverted, "ok reverted")) << i << ": " << reverted;
    ASSERT_EQ(p.ask("compute"), "11");
  };
  for (int i = 0; i < 100 && !::testing::Test::HasFatalFailure(); ++i) cycle(i);
  Footprint warm = footprint(pid);
  for (int i = 100; i < 1000 && !::testing::Test::HasFatalFailure(); ++i) cycle(i);
  Footprint after = footprint(pid);
  EXPECT_LE(after.mappings, warm.mappings + 4) << "patch memory grows with every cycle";
  EXPECT_LE(after.rss_kb, warm.rss_kb + 2048) << "resident memory grows with every cycle";
}

// ---- By default: reuse, and no thread disturbed ----

TEST(Reuse, ThousandApplyRevertCyclesKeepMemoryFlat) {
  Process p(program("basic", "v1"));
  thousand_cycles_keep_memory_flat(p);
}

TEST(Reuse, AReappliedPatchWithNewDataIsLinkedAnew) {
  // s_flag_v2, new in v2, is a std::once_flag: the patch applied again must have a fresh
  // one, so that its call_once runs once more (s_value is the running program's, kept).
  Process p(program("extlink", "v1"));
  std::string pid = p.ask("pid");
  EXPECT_EQ(p.ask("once"), "5");
  EXPECT_APPLIED(p.ask("apply " + patch("extlink", "v1", "v2")));
  EXPECT_EQ(p.ask("once"), "105");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Footprint kept = footprint(pid);
  EXPECT_APPLIED(p.ask("apply " + patch("extlink", "v1", "v2")));
  EXPECT_GT(footprint(pid).mappings, kept.mappings) << "new data is never reset: a new copy";
  EXPECT_EQ(p.ask("once"), "205");
}

TEST(Reuse, AFunctionLocalStaticOfAReappliedPatchIsDestroyedOnce) {
  // v2's work() has a static with a destructor: reusing the reverted copy with the static
  // reset would construct it again over the registered one, and exit would free twice.
  Process p(program("r3localstatic", "v1"));
  EXPECT_EQ(p.ask("get"), "1");
  EXPECT_APPLIED(p.ask("apply " + patch("r3localstatic", "v1", "v2")));
  EXPECT_EQ(p.ask("get"), "4");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("get"), "1");
  EXPECT_APPLIED(p.ask("apply " + patch("r3localstatic", "v1", "v2")));
  EXPECT_EQ(p.ask("get"), "4") << "a new copy, with its own static";
  EXPECT_EQ(p.ask("exit-check"), "exited 0");
}

TEST(Reuse, ApplyAndRevertDoNotInterruptThreadsBlockedInTheKernel) {
  Process p(program("blocking", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  usleep(200000);  // every thread is now asleep in epoll_wait, nanosleep or recv
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("blocking", "v1", "v2")), "ok applied")) << i;
    EXPECT_EQ(p.ask("work"), "3");
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  EXPECT_EQ(p.ask("eintr"), "0");
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Reuse, ARevertDoesNotEndPauseOrSleepOrAProgramWaitingForASignal) {
  Process p(program("r2pause", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  EXPECT_EQ(p.ask("shutdown-on-signal"), "waiting for a signal");
  EXPECT_APPLIED(p.ask("apply " + patch("r2pause", "v1", "v2")));
  EXPECT_EQ(p.ask("work"), "3");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  usleep(100000);
  EXPECT_EQ(p.ask("status"), "pause returned 0, sleep returned 0 with 0 s left");
  EXPECT_TRUE(p.alive()) << "the program ended: its pause() returned";
}

TEST(Reuse, ApplyWhileAFiberRunsOnASmallStack) {
  // Every apply samples the running threads: the handler runs on the fiber's stack.
  Process p(program("r2smallstack", "v1"));
  EXPECT_EQ(p.ask("fiber"), "fiber spinning");
  EXPECT_EQ(p.ask("usr1"), "handled") << "an ordinary signal handler fits on the fiber's stack";
  EXPECT_APPLIED(p.ask("apply " + patch("r2smallstack", "v1", "v2")));
  EXPECT_EQ(p.ask("work"), "3");
}

TEST(Reuse, PatchAndRevertWhileThreadsStartAndEnd) {
  Process p(program("threads", "v1"));
  EXPECT_EQ(p.ask("churn"), "churning");
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("threads", "v1", "v2")), "ok applied")) << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  EXPECT_EQ(p.ask("unchurn"), "settled");
  EXPECT_TRUE(p.alive());
}

// ---- HOTSWAP_RECLAIM=scan: reclaimed once nothing can reach it ----

TEST(Scan, ThousandApplyRevertCyclesKeepMemoryFlat) {
  ScanReclaim scan;
  Process p(program("basic", "v1"));
  thousand_cycles_keep_memory_flat(p);
}

TEST(Scan, ARevertedPatchStaysWhileTheProgramPointsIntoItAndGoesAfter) {
  ScanReclaim scan;
  Process p(program("retained", "v1"));
  std::string pid = p.ask("pid");
  ASSERT_TRUE(starts_with(p.ask("apply " + patch("retained", "v1", "v2")), "ok applied"));
  ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Footprint before = footprint(pid);  // after one cycle: the runtime's own mappings exist
  EXPECT_APPLIED(p.ask("apply " + patch("retained", "v1", "v2")));
  EXPECT_EQ(p.ask("set"), "set");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  for (int i = 0; i < 5; ++i) {  // every apply and revert tries to reclaim
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("retained", "v1", "v2")), "ok applied")) << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  // The literal and the function only the reverted patch had are still there: reading and
  // calling them would kill the program had their memory gone. (Not counted in mappings:
  // a scan may keep the first cycle's patch a little longer, which `before` then holds.)
  EXPECT_EQ(p.ask("label"), "label set by v2");
  EXPECT_EQ(p.ask("hook"), "101");
  EXPECT_EQ(p.ask("clear"), "cleared");
  ASSERT_TRUE(starts_with(p.ask("apply " + patch("retained", "v1", "v2")), "ok applied"));
  ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_LE(footprint(pid).mappings, before.mappings) << "nothing points into it any more";
  EXPECT_TRUE(p.alive());
}

TEST(Scan, APatchStaysWhileOneLinkedOnTopOfItRuns) {
  // The second patch's spin() calls helper(), which only the first has, by displacement:
  // reverting both while a thread spins in the second must keep the first mapped.
  ScanReclaim scan;
  Process p(program("r3chain", "v1"));
  EXPECT_APPLIED(p.ask("apply " + patch("r3chain", "v1", "v2")));
  EXPECT_EQ(p.ask("probe"), "42");
  EXPECT_APPLIED(p.ask("apply " + patch("r3chain", "v2", "v3")));
  EXPECT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && p.ask("rounds") != "turning"; ++i) usleep(5000);
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("probe"), "1");
  usleep(50000);  // the spinning thread calls helper() many times meanwhile
  EXPECT_EQ(p.ask("rounds"), "turning");
  EXPECT_EQ(p.ask("stop"), "stopped");
  EXPECT_TRUE(p.alive());
}

TEST(Scan, OverTheScanLimitNoThreadIsHeld) {
  // The process has more to scan than the limit allows: reclamation gives up before it
  // holds anyone, so a thread waiting in pause() never wakes.
  ScanReclaim scan;
  setenv("HOTSWAP_RECLAIM_SCAN_LIMIT_MB", "4", 1);
  Process p(program("r2pause", "v1"));
  unsetenv("HOTSWAP_RECLAIM_SCAN_LIMIT_MB");
  EXPECT_EQ(p.ask("ballast"), "ballast 16 MiB");
  EXPECT_EQ(p.ask("start"), "started");
  EXPECT_APPLIED(p.ask("apply " + patch("r2pause", "v1", "v2")));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_APPLIED(p.ask("apply " + patch("r2pause", "v1", "v2")));
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  usleep(100000);
  EXPECT_EQ(p.ask("status"), "pause returned 0, sleep returned 0 with 0 s left");
}

TEST(Scan, ReclaimedWhileThreadsAreBlockedInTheKernel) {
  // Holding the world signals blocked threads too (their registers may hold the last
  // pointer into a patch): each comes back to its call, by restart or EINTR.
  ScanReclaim scan;
  Process p(program("blocking", "v1"));
  std::string pid = p.ask("pid");
  EXPECT_EQ(p.ask("start"), "started");
  usleep(200000);
  ASSERT_TRUE(starts_with(p.ask("apply " + patch("blocking", "v1", "v2")), "ok applied"));
  ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  Footprint warm = footprint(pid);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("blocking", "v1", "v2")), "ok applied")) << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  EXPECT_LE(footprint(pid).mappings, warm.mappings + 4);
  EXPECT_EQ(p.ask("work"), "2");
  EXPECT_EQ(p.ask("stop"), "stopped");
}

void expect_heap_kept(const std::string& start_command, const std::string& started) {
  ScanReclaim scan;
  Process p(program("fiber", "v1"));
  EXPECT_EQ(p.ask(start_command), started);
  EXPECT_APPLIED(p.ask("apply " + patch("fiber", "v1", "v2")));
  EXPECT_EQ(p.ask("set"), "set");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("fiber", "v1", "v2")), "ok applied"));
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  }
  EXPECT_EQ(p.ask("label"), "label set by v2, a literal only the patch has");
}

TEST(Scan, HeapBelowAFiberStackIsScanned) { expect_heap_kept("fiber", "fiber blocked"); }

TEST(Scan, HeapBelowAThreadStackTheProgramGaveFromItsHeapIsScanned) {
  expect_heap_kept("thread-on-heap-stack", "thread blocked");
}

TEST(Scan, CalleeSavedRegisterOfTheRevertingThreadKeepsThePatch) {
  ScanReclaim scan;
  Process p(program("regkeep", "v1"));
  EXPECT_EQ(p.ask("hold " + patch("regkeep", "v1", "v2")), "reverted, message of v2, only in the patch");
}

TEST(Scan, EachCalleeSavedRegisterOfTheRevertingThreadKeepsThePatchAcrossTheCRevert) {
  ScanReclaim scan;
  for (const char* reg : {"rbx", "r12", "r13", "r14", "r15"}) {
    Process p(program("regkeep", "v1"));
    EXPECT_EQ(p.ask(std::string("c-hold-") + reg + " " + patch("regkeep", "v1", "v2")),
              "reverted, message of v2, only in the patch")
        << reg;
  }
}

TEST(Scan, CalleeSavedRegisterOfABlockedThreadKeepsThePatch) {
  ScanReclaim scan;
  Process p(program("blockedreg", "v1"));
  EXPECT_EQ(p.ask("blocked " + patch("blockedreg", "v1", "v2")), "reverted, message of v2, only in the patch");
}

TEST(Scan, ThreadWithEverySignalBlockedIsNeverTakenForSeen) {
  ScanReclaim scan;
  Process p(program("sigblock", "v1"));
  EXPECT_EQ(p.ask("blocked-worker " + patch("sigblock", "v1", "v2")), "cycles done, worker 3");
}

TEST(Scan, ProgramSignalHandlersDoNotRunWhileTheWorldIsHeld) {
  ScanReclaim scan;
  Process p(program("r2sigpark", "v1"));
  EXPECT_EQ(p.ask("start"), "ticking");
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("r2sigpark", "v1", "v2")), "ok applied")) << i;
    ASSERT_EQ(p.ask("set"), "set") << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
    ASSERT_EQ(p.ask("label"), "label set by v2, a literal only the patch has") << i;
  }
}

TEST(Scan, PatchAndRevertWhileThreadsStartAndEnd) {
  ScanReclaim scan;
  Process p(program("threads", "v1"));
  EXPECT_EQ(p.ask("churn"), "churning");
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("threads", "v1", "v2")), "ok applied")) << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  EXPECT_EQ(p.ask("unchurn"), "settled");
  EXPECT_TRUE(p.alive());
}

}  // namespace
