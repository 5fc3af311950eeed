// End-to-end: each test runs version 1 of a program, patches it live, and checks the new
// behaviour and that the state built before the patch survived.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "e2e_paths.h"
#include "process.h"

namespace {

using e2e::out_dir;
using e2e::patch;
using e2e::program;
using e2e::starts_with;

TEST(Basic, ChangedFunctionAndInliningCallerRunNewCodeStateKept) {
  Process p(program("basic", "v1"));
  EXPECT_EQ(p.ask("compute"), "11");
  EXPECT_EQ(p.ask("count"), "1");
  EXPECT_EQ(p.ask("count"), "2");
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_EQ(p.ask("compute"), "110");
  EXPECT_EQ(p.ask("count"), "3");
}

TEST(Basic, APerfMapNamesThePatchsFunctionsWhenAsked) {
  // HOTSWAP_PERF_MAP: each commit appends "START SIZE NAME [patch ID]" lines for profilers.
  setenv("HOTSWAP_PERF_MAP", "1", 1);
  Process p(program("basic", "v1"));
  unsetenv("HOTSWAP_PERF_MAP");
  std::string map = "/tmp/perf-" + p.ask("pid") + ".map";
  std::filesystem::remove(map);
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  std::ifstream in(map);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(map);
  EXPECT_NE(text.find(" compute(int) [patch "), std::string::npos) << text;
  unsigned long long start = 0, size = 0;
  ASSERT_EQ(std::sscanf(text.c_str(), "%llx %llx", &start, &size), 2) << text;
  EXPECT_GT(start, 0u);
  EXPECT_GT(size, 0u);

  Process quiet(program("basic", "v1"));  // not asked: nothing written
  std::string none = "/tmp/perf-" + quiet.ask("pid") + ".map";
  EXPECT_APPLIED(quiet.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_FALSE(std::filesystem::exists(none));
}

TEST(Basic, VersionIsTheTargetReleaseBuildId) {
  Process v2(program("basic", "v2"));
  std::string v2_id = v2.ask("version");
  Process p(program("basic", "v1"));
  std::string v1_id = p.ask("version");
  EXPECT_NE(v1_id, v2_id);
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_EQ(p.ask("version"), v2_id);
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("version"), v1_id);
}

TEST(Basic, StackedPatchesThenRevertToPrevious) {
  Process p(program("basic", "v1"));
  EXPECT_EQ(p.ask("count"), "1");
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v2", "v3")));
  EXPECT_EQ(p.ask("compute"), "10000");
  EXPECT_EQ(p.ask("count"), "2");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("compute"), "110");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("compute"), "11");
  EXPECT_TRUE(starts_with(p.ask("revert"), "refused nothing to revert"));
  // After a full revert the same patches apply again.
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_EQ(p.ask("compute"), "110");
  EXPECT_EQ(p.ask("count"), "3");
}

TEST(Refusal, PatchForAnotherBaseLeavesProcessUnchanged) {
  Process p(program("basic", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(p.ask("count"), "1");
  EXPECT_REFUSED(p.ask("apply " + patch("basic", "v2", "v3")), "is for version");
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("compute"), "11");
  EXPECT_EQ(p.ask("count"), "2");
}

class BadPatch : public ::testing::Test {
 public:
  std::string write_file(const std::string& name, const std::string& bytes) { return write(name, bytes); }
  std::string read_file(const std::string& path) { return read(path); }

 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hotswap-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  void expect_unchanged(Process& p, const std::string& version) {
    EXPECT_EQ(p.ask("version"), version);
    EXPECT_EQ(p.ask("compute"), "11");
    EXPECT_TRUE(p.alive());
  }
  std::filesystem::path dir_;
};

TEST_F(BadPatch, NotElfIsRefused) {
  Process p(program("basic", "v1"));
  std::string version = p.ask("version");
  EXPECT_REFUSED(p.ask("apply " + write("text.hsp", "this is not a patch\n")), "not a patch");
  EXPECT_REFUSED(p.ask("apply " + (dir_ / "missing.hsp").string()), "no such patch file");
  expect_unchanged(p, version);
}

TEST_F(BadPatch, TruncatedPatchIsRefused) {
  Process p(program("basic", "v1"));
  std::string version = p.ask("version");
  std::string bytes = read(patch("basic", "v1", "v2"));
  ASSERT_GT(bytes.size(), 200u);
  for (std::size_t cut : {std::size_t{10}, std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    std::string answer = p.ask("apply " + write("cut" + std::to_string(cut) + ".hsp", bytes.substr(0, cut)));
    EXPECT_TRUE(starts_with(answer, "refused patch refused")) << cut << ": " << answer;
  }
  expect_unchanged(p, version);
}

TEST_F(BadPatch, MalformedManifestIsRefused) {
  Process p(program("basic", "v1"));
  std::string version = p.ask("version");
  std::string bad_json = write("bad.json", "{\"format\": 1, \"base\": 12}");
  std::string bad = (dir_ / "bad.hsp").string();
  std::string cmd = "objcopy --update-section .hotswap.manifest=" + bad_json + " " + patch("basic", "v1", "v2") + " " + bad;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_REFUSED(p.ask("apply " + bad), "manifest");
  std::string future = write("future.json", "{\"format\": 99}");
  std::string bad2 = (dir_ / "future.hsp").string();
  cmd = "objcopy --update-section .hotswap.manifest=" + future + " " + patch("basic", "v1", "v2") + " " + bad2;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_REFUSED(p.ask("apply " + bad2), "format 99 is not supported");
  expect_unchanged(p, version);
}

// Patches are untrusted bytes: each corrupted copy must be refused with a message, or
// link (a byte of code or padding changed); the runtime itself must never fault. A patch
// that applied is reverted at once: its code is not run. HOTSWAP_FUZZ_SEED and
// HOTSWAP_FUZZ_ROUNDS widen the search.
void fuzz_patch(BadPatch& test, const std::string& name, int rounds) {
  Process p(program(name, "v1"));
  std::string version = p.ask("version");
  std::string bytes = test.read_file(patch(name, "v1", "v2"));
  const char* seed = std::getenv("HOTSWAP_FUZZ_SEED");
  const char* more = std::getenv("HOTSWAP_FUZZ_ROUNDS");
  if (more) rounds = std::atoi(more);
  std::uint64_t state = seed ? std::strtoull(seed, nullptr, 10) : 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int refused = 0;
  for (int i = 0; i < rounds; ++i) {
    std::string copy = bytes;
    int flips = 1 + static_cast<int>(next() % 8);
    for (int k = 0; k < flips; ++k) copy[next() % copy.size()] = static_cast<char>(next());
    std::string answer = p.ask("apply " + test.write_file("corrupt.hsp", copy));
    ASSERT_TRUE(starts_with(answer, "ok applied") || starts_with(answer, "refused patch refused")) << i << ": " << answer;
    if (starts_with(answer, "ok applied")) {
      ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
    } else {
      ++refused;
    }
    ASSERT_EQ(p.ask("version"), version) << i;
  }
  EXPECT_GT(refused, 0);
  EXPECT_TRUE(p.alive());
}

TEST_F(BadPatch, RandomCorruptionIsRefusedOrAppliedNeverACrash) { fuzz_patch(*this, "basic", 300); }

TEST_F(BadPatch, RandomCorruptionOfAPatchWithInitializersNeverCrashes) { fuzz_patch(*this, "data", 300); }

TEST(Calls, PointerVirtualStdFunctionAndQsortReachNewCode) {
  Process p(program("calls", "v1"));
  EXPECT_EQ(p.ask("store"), "stored");
  EXPECT_EQ(p.ask("pointer"), "2");
  EXPECT_EQ(p.ask("function"), "2");
  EXPECT_EQ(p.ask("virtual"), "16");
  EXPECT_EQ(p.ask("qsort"), "123");
  EXPECT_APPLIED(p.ask("apply " + patch("calls", "v1", "v2")));
  EXPECT_EQ(p.ask("direct"), "101");
  EXPECT_EQ(p.ask("pointer"), "101");
  EXPECT_EQ(p.ask("function"), "101");
  EXPECT_EQ(p.ask("virtual"), "160");
  EXPECT_EQ(p.ask("qsort"), "321");
}

TEST(State, StaticGlobalFunctionStaticAndThreadLocalKeepTheirValues) {
  Process p(program("state", "v1"));
  EXPECT_EQ(p.ask("bump"), "1 1 1 8");
  EXPECT_EQ(p.ask("bump"), "2 2 2 9");
  EXPECT_APPLIED(p.ask("apply " + patch("state", "v1", "v2")));
  EXPECT_EQ(p.ask("peek"), "2 2 2 9");
  EXPECT_EQ(p.ask("bump"), "v2 12 12 12 19");
  EXPECT_EQ(p.ask("peek"), "12 12 12 19");
}

TEST(InlineHeader, CallersThatInlinedTheChangeAreReplaced) {
  Process p(program("inline_header", "v1"));
  EXPECT_EQ(p.ask("a"), "11");
  EXPECT_EQ(p.ask("b"), "12");
  EXPECT_APPLIED(p.ask("apply " + patch("inline_header", "v1", "v2")));
  EXPECT_EQ(p.ask("a"), "16");
  EXPECT_EQ(p.ask("b"), "17");
}

TEST(Data, NewFunctionNewGlobalsLiteralsAndJumpTable) {
  Process p(program("data", "v1"));
  EXPECT_EQ(p.ask("feature x"), "v1 x");
  EXPECT_EQ(p.ask("greeting"), "hello from v1");
  EXPECT_EQ(p.ask("classify"), "101,300,93,400,33,49,0,-100,-1,");
  EXPECT_APPLIED(p.ask("apply " + patch("data", "v1", "v2")));
  EXPECT_EQ(p.ask("feature y"), "v2 xy 47");  // g_log kept, new globals initialized once
  EXPECT_EQ(p.ask("greeting"), "hello from v2");
  EXPECT_EQ(p.ask("classify"), "1100,700,30,3200,11,206,2,10000,-2,");
}

TEST(Exceptions, ThrownInNewCaughtInOldAndTheReverse) {
  Process p(program("exceptions", "v1"));
  EXPECT_EQ(p.ask("risky"), "10");
  EXPECT_EQ(p.ask("catch_old"), "no catch in v1");
  EXPECT_APPLIED(p.ask("apply " + patch("exceptions", "v1", "v2")));
  EXPECT_EQ(p.ask("risky"), "caught thrown by new code");
  EXPECT_EQ(p.ask("catch_old"), "caught AppError from old code 7");
}

// std::get and std::bad_variant_access first used by a patch: its vtable and type info bind
// to the running program's (under Clang, the GCC-built runtime library's), and an exception
// thrown and caught in the new code is caught.
TEST(Exceptions, ALibraryExceptionClassFirstUsedByThePatchIsThrownAndCaught) {
  Process p(program("variants", "v1"));
  EXPECT_EQ(p.ask("number"), "5");
  EXPECT_EQ(p.ask("text"), "no text");
  EXPECT_APPLIED(p.ask("apply " + patch("variants", "v1", "v2")));
  EXPECT_EQ(p.ask("number"), "v2 5");
  EXPECT_EQ(p.ask("text"), "v2 caught bad_variant_access");
  EXPECT_EQ(p.ask("set word"), "set");
  EXPECT_EQ(p.ask("text"), "v2 word");
  EXPECT_EQ(p.ask("number"), "v2 caught bad_variant_access");
  EXPECT_EQ(p.ask("revert").rfind("ok", 0), 0u);
  EXPECT_EQ(p.ask("number"), "no number");
}

TEST(Containers, StringAndUnorderedMapStateSurvives) {
  Process p(program("containers", "v1"));
  EXPECT_EQ(p.ask("add Foo bar foo"), "3");
  EXPECT_EQ(p.ask("dump"), "Foo=1,bar=1,foo=1");
  EXPECT_APPLIED(p.ask("apply " + patch("containers", "v1", "v2")));
  EXPECT_EQ(p.ask("add BAR"), "3");
  EXPECT_EQ(p.ask("dump"), "Foo:1;bar:3;foo:1");
}

TEST(Linkage, GotTlsAndSharedLibrarySymbolsBindToTheRunningInstances) {
  // Function addresses taken in new code equal those taken in old code (GOT slots hold
  // the running addresses); extern thread_local reads the running thread's variable.
  Process p(program("linkage", "v1"));
  EXPECT_EQ(p.ask("store"), "stored");
  EXPECT_EQ(p.ask("bump"), "1");
  EXPECT_EQ(p.ask("bump"), "2");
  EXPECT_EQ(p.ask("report"), "v1 2 5 11 1");
  EXPECT_APPLIED(p.ask("apply " + patch("linkage", "v1", "v2")));
  EXPECT_EQ(p.ask("report"), "v2 20 50 11 1 42");
  EXPECT_EQ(p.ask("bump"), "3");
  EXPECT_EQ(p.ask("report"), "v2 30 50 11 1 42");
}

TEST(Clones, CallersOfAChangedSpecializationRunTheNewOne) {
  // scale(x, 3) = ((x*m)*m + 1)*m + 2 with m = 7 in v1 and 9 in v2.
  Process p(program("clones", "v1"));
  EXPECT_EQ(p.ask("api"), "352 696");
  EXPECT_APPLIED(p.ask("apply " + patch("clones", "v1", "v2")));
  EXPECT_EQ(p.ask("api"), "740 1470");
}

TEST(Active, ChangedFunctionStillRunningOnAThreadIsReported) {
  Process p(program("active", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && p.ask("spinning") != "yes"; ++i) usleep(10000);
  std::string answer = p.ask("apply " + patch("active", "v1", "v2"));
  EXPECT_APPLIED(answer);
  EXPECT_NE(answer.find("keeps running the old code in the frame a thread is in"), std::string::npos) << answer;
  EXPECT_NE(answer.find("spin()"), std::string::npos) << "named as the source names it: " << answer;
  EXPECT_EQ(answer.find("release()"), std::string::npos) << answer;
  EXPECT_EQ(p.ask("release"), "2");
  EXPECT_EQ(p.ask("stop"), "stopped");
}

TEST(Layout, UnchangedFunctionIsRecognizedAfterTheLayoutMoved) {
  Process p(program("layout", "v1"));
  EXPECT_EQ(p.ask("values"), "6 4");
  EXPECT_APPLIED(p.ask("apply " + patch("layout", "v1", "v2")));
  EXPECT_EQ(p.ask("values"), "6 6");
  EXPECT_APPLIED(p.ask("apply " + patch("layout", "v2", "v3")));
  EXPECT_EQ(p.ask("values"), "7 6");
}

// Exceptions unwind through code of every patch in a chain, whichever patch threw and
// whichever caught: each patch registers unwind tables for the code it loads, and only
// for that code (an entry for the executable's code would hide an older patch's table).
void expect_chain_version(Process& p, const std::string& catcher, int step, int multiplier, int thrower) {
  std::string t = std::to_string(thrower);
  EXPECT_EQ(p.ask("attempt 3"), catcher + " " + std::to_string((3 + step) * multiplier) + " depth 0");
  EXPECT_EQ(p.ask("attempt -1"), catcher + " caught negative in v" + t + " " + t + " depth 0");
  EXPECT_EQ(p.ask("attempt 0"), catcher + " caught std zero in v" + t + " depth 0");
}

TEST(Chain, ExceptionsThroughFiveStackedPatchesRevertAndReapply) {
  Process p(program("chain", "v1"));
  expect_chain_version(p, "v1", 1, 10, 1);
  EXPECT_EQ(p.ask("bump"), "v1 11");
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v1", "v2")));
  expect_chain_version(p, "v1", 2, 10, 2);
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v2", "v3")));
  expect_chain_version(p, "v3", 2, 10, 2);
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v3", "v4")));
  expect_chain_version(p, "v3", 4, 100, 4);
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v4", "v5")));
  expect_chain_version(p, "v5", 4, 100, 4);
  // The initializer of the new datum wrote only the patch's private copy of g_total; the
  // new bump() writes the live one, which unchanged code reads.
  EXPECT_EQ(p.ask("totals"), "11");
  EXPECT_EQ(p.ask("bump"), "v5 16 init 1010");
  EXPECT_EQ(p.ask("totals"), "16");
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v5", "v6")));
  expect_chain_version(p, "v6", 6, 100, 6);
  EXPECT_EQ(p.ask("bump"), "v5 21 init 1010");

  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  expect_chain_version(p, "v5", 4, 100, 4);
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  expect_chain_version(p, "v3", 4, 100, 4);
  EXPECT_EQ(p.ask("bump"), "v1 22");
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v4", "v5")));
  expect_chain_version(p, "v5", 4, 100, 4);
  EXPECT_EQ(p.ask("bump"), "v5 27 init 1010");
  EXPECT_APPLIED(p.ask("apply " + patch("chain", "v5", "v6")));
  expect_chain_version(p, "v6", 6, 100, 6);
  EXPECT_EQ(p.ask("totals"), "27");
  EXPECT_TRUE(p.alive());
}

TEST(Startup, EveryReleaseChangesMainAndThePatchesChain) {
  // GCC places main in .text.startup.main, beside the static initializers: a changed main
  // is an ordinary changed function, so the next patch of the chain finds the code it
  // expects. v3 brings new data: its initializers run, main is not one of them, and the
  // unit's existing global keeps its value.
  Process p(program("startup", "v1"));
  EXPECT_EQ(p.ask("rename hi"), "renamed");
  EXPECT_EQ(p.ask("greet"), "hi v1");
  EXPECT_APPLIED(p.ask("apply " + patch("startup", "v1", "v2")));
  EXPECT_EQ(p.ask("greet"), "hi v2");
  EXPECT_APPLIED(p.ask("apply " + patch("startup", "v2", "v3")));
  EXPECT_EQ(p.ask("greet"), "hi v3 added in v3");
  EXPECT_APPLIED(p.ask("apply " + patch("startup", "v3", "v4")));
  EXPECT_EQ(p.ask("greet"), "hi v4 added in v3");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("greet"), "hi v3 added in v3");
  EXPECT_APPLIED(p.ask("apply " + patch("startup", "v3", "v4")));
  EXPECT_EQ(p.ask("greet"), "hi v4 added in v3");
}

TEST(Identity, FunctionAddressesAreTheSameInOldAndNewCodeAndSurviveRevert) {
  Process p(program("identity", "v1"));
  EXPECT_EQ(p.ask("store"), "stored");
  EXPECT_EQ(p.ask("take"), "1");
  EXPECT_EQ(p.ask("call"), "2 11 11");
  EXPECT_APPLIED(p.ask("apply " + patch("identity", "v1", "v2")));
  EXPECT_EQ(p.ask("compare"), "v2 11") << "new code takes the same address as old code did";
  EXPECT_EQ(p.ask("call"), "3 21 21");
  EXPECT_APPLIED(p.ask("apply " + patch("identity", "v2", "v3")));
  EXPECT_EQ(p.ask("compare"), "v3 11") << "also for a function an earlier patch changed";
  EXPECT_EQ(p.ask("take"), "1");
  EXPECT_EQ(p.ask("call"), "3 21 21");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("call"), "3 21 21");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  // The address v3 stored is the function's own entry: after the reverts it runs v1.
  EXPECT_EQ(p.ask("call"), "2 11 11");
  EXPECT_EQ(p.ask("compare"), "11");
}

TEST(Refusal, ClassWhoseVtableChangedIsRefusedNamingIt) {
  Process p(program("virtuals", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(p.ask("describe"), "area 9");
  EXPECT_REFUSED(p.ask("apply " + out_dir() + "/virtuals/v1-v2.pack.hsp"), "vtable for Shape");
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("describe"), "area 9");
}

// Every mprotect the runtime makes while applying and reverting fails once, in turn: each
// apply is either refused with nothing changed (the initializer's side effect did not
// happen) or complete, and each revert likewise; threads call the function all along.
TEST(Faults, EveryFailedMprotectLeavesTheProcessWholeAndUnchangedOrCommitted) {
  Process p(program("faults", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  int inits = 0, applies = 0, refusals = 0;
  for (int n = 0; n < 64; ++n) {
    ASSERT_EQ(p.ask("fail-mprotect " + std::to_string(n)), "armed");
    std::string answer = p.ask("apply " + patch("faults", "v1", "v2"));
    bool hit = p.ask("armed") == "no";
    ASSERT_EQ(p.ask("disarm"), "disarmed");
    if (starts_with(answer, "ok applied")) {
      ++applies, ++inits;
      EXPECT_EQ(p.ask("work"), "3") << n;
      EXPECT_EQ(p.ask("inits"), std::to_string(inits)) << n;
      ASSERT_EQ(p.ask("fail-mprotect " + std::to_string(n)), "armed");
      std::string reverted = p.ask("revert");
      ASSERT_EQ(p.ask("disarm"), "disarmed");
      if (!starts_with(reverted, "ok reverted")) {
        EXPECT_TRUE(starts_with(reverted, "refused revert failed")) << reverted;
        EXPECT_EQ(p.ask("work"), "3") << n << ": a failed revert changes nothing";
        ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << n;
      }
      EXPECT_EQ(p.ask("work"), "2") << n;
      if (!hit) break;  // no mprotect left to fail
    } else {
      ++refusals;
      EXPECT_TRUE(starts_with(answer, "refused patch refused")) << answer;
      EXPECT_TRUE(hit) << n << ": refused without an injected failure: " << answer;
      EXPECT_EQ(p.ask("work"), "2") << n;
      EXPECT_EQ(p.ask("inits"), std::to_string(inits)) << n << ": a refused patch ran its initializer";
    }
  }
  EXPECT_GT(refusals, 0);
  EXPECT_GT(applies, 0);
  EXPECT_EQ(p.ask("stop"), "bad 0");
  EXPECT_TRUE(p.alive());
}

TEST(Faults, InitializerThrowingANonStandardExceptionRefusesThePatch) {
  Process p(program("faults", "v1"));
  std::string version = p.ask("version");
  EXPECT_REFUSED(p.ask("apply " + patch("faults", "v1", "v3")), "static initializer");
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("work"), "2");
  EXPECT_APPLIED(p.ask("apply " + patch("faults", "v1", "v2")));
  EXPECT_EQ(p.ask("work"), "3");
}

TEST(ExternalLinkage, LibraryThreadLocalsIfuncSizesAlignmentAndLibraryNames) {
  Process p(program("extlink", "v1"));
  EXPECT_EQ(p.ask("dot"), "15");
  EXPECT_EQ(p.ask("once"), "5");
  EXPECT_EQ(p.ask("bump"), "8");
  EXPECT_EQ(p.ask("probe"), "v1");
  EXPECT_APPLIED(p.ask("apply " + patch("extlink", "v1", "v2")));
  // 37 ints; dot(2) through the ifunc's chosen clone; the C library's environ, not the
  // file-static of that name; 8 KiB alignment.
  EXPECT_EQ(p.ask("probe"), "148 6 1 1");
  EXPECT_EQ(p.ask("once"), "105");
  EXPECT_EQ(p.ask("bump"), "9");
}







TEST(Review, ChangedConstructorWithTwoNamesForOneEntryRevertsAndReapplies) {
  Process p(program("ctor", "v1"));
  EXPECT_EQ(p.ask("make"), "1");
  EXPECT_APPLIED(p.ask("apply " + patch("ctor", "v1", "v2")));
  EXPECT_EQ(p.ask("make"), "2");
  EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
  EXPECT_EQ(p.ask("make"), "1");
  EXPECT_APPLIED(p.ask("apply " + patch("ctor", "v1", "v2")));
  EXPECT_EQ(p.ask("make"), "2");
}

TEST(Review, InitializerReadsABoundPointerThroughItsShadow) {
  Process p(program("shadowrel", "v1"));
  EXPECT_EQ(p.ask("length"), "6");
  EXPECT_APPLIED(p.ask("apply " + patch("shadowrel", "v1", "v2")));
  EXPECT_EQ(p.ask("length"), "6");
}

TEST(Review, UnchangedClassWithAVirtualBaseDoesNotRefuseItsUnit) {
  Process p(program("vbase", "v1"));
  EXPECT_EQ(p.ask("make"), "3");
  EXPECT_APPLIED(p.ask("apply " + patch("vbase", "v1", "v2")));
  EXPECT_EQ(p.ask("answer"), "42");
  EXPECT_EQ(p.ask("make"), "3");
}






TEST(Review, NewDataInitializedFromABoundPointerAimsAtTheRunningInstance) {
  Process p(program("r2shadowptr", "v1"));
  EXPECT_EQ(p.ask("bump"), "1");
  EXPECT_EQ(p.ask("bump"), "2");
  EXPECT_APPLIED(p.ask("apply " + patch("r2shadowptr", "v1", "v2")));
  EXPECT_EQ(p.ask("bump"), "3") << "the new code must count in the running g_count, not its shadow";
  EXPECT_EQ(p.ask("count"), "3");
}

TEST(Review, AChangedHelperOnlyAnInitializerCallsIsCarriedNotRedirected) {
  Process p(program("r2inithelper", "v1"));
  EXPECT_EQ(p.ask("get"), "10");
  EXPECT_APPLIED(p.ask("apply " + patch("r2inithelper", "v1", "v2")));
  EXPECT_EQ(p.ask("get"), "11");  // g_default keeps its value; the new get() adds one
}

TEST(Threads, PatchAndRevertWhileThreadsCallTheFunction) {
  // Three threads call work() in a loop while it is redirected and restored 300 times: every
  // call must return the old or the new result and no thread may crash.
  Process p(program("threads", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(starts_with(p.ask("apply " + patch("threads", "v1", "v2")), "ok applied")) << i;
    ASSERT_TRUE(starts_with(p.ask("revert"), "ok reverted")) << i;
  }
  EXPECT_APPLIED(p.ask("apply " + patch("threads", "v1", "v2")));
  EXPECT_EQ(p.ask("work"), "3");
  // On a loaded machine the workers may not have run since: give them the time to.
  for (int i = 0; i < 500 && p.ask("seen-new") != "1"; ++i) usleep(10000);
  EXPECT_EQ(p.ask("stop"), "calls 1 new 1 bad 0");
}

}  // namespace
