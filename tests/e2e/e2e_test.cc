// End-to-end: each test runs version 1 of a program, patches it live, and checks the new
// behaviour and that the state built before the patch survived.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "process.h"

namespace {

std::string out_dir() {
  const char* env = std::getenv("HOTSWAP_E2E_OUT");
  return env ? env : E2E_OUT;
}
std::string program(const std::string& name, const std::string& version) {
  return out_dir() + "/" + name + "/" + version;
}
// HOTSWAP_E2E_PATCHES=diff: the patches `hotswap diff` found by itself; else `hotswap pack`'s.
std::string patch(const std::string& name, const std::string& from, const std::string& to) {
  const char* kind = std::getenv("HOTSWAP_E2E_PATCHES");
  bool diff = kind && std::string(kind) == "diff";
  return out_dir() + "/" + name + "/" + from + "-" + to + (diff ? ".diff.hsp" : ".hsp");
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

#define EXPECT_APPLIED(answer) EXPECT_TRUE(starts_with(answer, "ok applied")) << answer
#define EXPECT_REFUSED(answer, why)                                   \
  do {                                                                \
    std::string a_ = (answer);                                        \
    EXPECT_TRUE(starts_with(a_, "refused patch refused")) << a_;      \
    EXPECT_NE(a_.find(why), std::string::npos) << a_;                 \
  } while (0)

TEST(Basic, ChangedFunctionAndInliningCallerRunNewCodeStateKept) {
  Process p(program("basic", "v1"));
  EXPECT_EQ(p.ask("compute"), "11");
  EXPECT_EQ(p.ask("count"), "1");
  EXPECT_EQ(p.ask("count"), "2");
  EXPECT_APPLIED(p.ask("apply " + patch("basic", "v1", "v2")));
  EXPECT_EQ(p.ask("compute"), "110");
  EXPECT_EQ(p.ask("count"), "3");
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

TEST(Refusal, TypeChangeIsRefusedUntilTransformersLandProcessUnchanged) {
  // The patch is complete (diff's default transformer compiled in), but this runtime does
  // not run transformers yet: it must say so and change nothing.
  Process p(program("types", "v1"));
  std::string version = p.ask("version");
  EXPECT_EQ(p.ask("touch"), "1");
  EXPECT_REFUSED(p.ask("apply " + out_dir() + "/types/v1-v2.hsp"), "state transformers");
  EXPECT_EQ(p.ask("version"), version);
  EXPECT_EQ(p.ask("touch"), "2");
}

TEST(Active, ChangedFunctionStillRunningOnAThreadIsReported) {
  Process p(program("active", "v1"));
  EXPECT_EQ(p.ask("start"), "started");
  for (int i = 0; i < 200 && p.ask("spinning") != "yes"; ++i) usleep(10000);
  std::string answer = p.ask("apply " + patch("active", "v1", "v2"));
  EXPECT_APPLIED(answer);
  EXPECT_NE(answer.find("still running on a thread's stack"), std::string::npos) << answer;
  EXPECT_NE(answer.find("_Z4spinv"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("_Z7releasev"), std::string::npos) << answer;
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
  EXPECT_EQ(p.ask("stop"), "calls 1 new 1 bad 0");
}

}  // namespace
