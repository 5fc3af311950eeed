// The control plane from the shell: the `hotswap` tool against running programs, as a
// user (or root) drives it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "control_fixture.h"

namespace control_e2e {
namespace {

TEST_F(Control, StatusSaysWhatATypeChangingPatchMoved) {
  Process types(basic("../types/v1"));
  std::string pid = types.ask("pid");
  EXPECT_EQ(types.ask("touch"), "1");
  ToolRun r = hotswap("apply " + pid + " " + basic("../types/v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "migrated g_counter")) << r.out;
  EXPECT_EQ(types.ask("touch"), "2 100");
  r = hotswap("status " + pid + " --json");
  EXPECT_TRUE(contains(r.out, "\"migrated\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "g_counter (Counter, 4 -> 16 bytes)")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"quiescence_ns\"")) << r.out;
  r = hotswap("status " + pid);
  EXPECT_TRUE(contains(r.out, "moved g_counter (Counter, 4 -> 16 bytes)")) << r.out;
  EXPECT_TRUE(contains(r.out, "objects: Counter 1")) << r.out;
}

TEST_F(Control, ApplyTimeoutBoundsTheWaitForASafeMoment) {
  Process bank(basic("../bank/v1"));
  std::string pid = bank.ask("pid");
  EXPECT_EQ(bank.ask("start"), "started");
  EXPECT_EQ(bank.ask("stall"), "stalling");  // a participant that stops reaching update points
  usleep(20000);
  ToolRun r = hotswap("apply " + pid + " " + basic("../bank/v1-v2.edited.hsp") + " --timeout 300");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "no safe moment to move the state within 300 ms")) << r.out;
  EXPECT_EQ(hotswap("apply " + pid + " x.hsp --timeout 0").exit_code, 2) << "a zero timeout is a usage error";
  EXPECT_EQ(bank.ask("release"), "released");
  usleep(20000);
  r = hotswap("apply " + pid + " " + basic("../bank/v1-v2.edited.hsp") + " --timeout 2000");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(bank.ask("stop"), "stopped");
}

TEST_F(Control, AHookReachingAnUpdatePointOnTheControlThreadDoesNotDeadlock) {
  // Applied from the shell, the patch commits on the runtime's control thread, which takes
  // no part in updates: the hook's update point and idle scope must not wait for it.
  Process tables(basic("../tables/v1"));
  std::string pid = tables.ask("pid");
  ToolRun r = hotswap("apply " + pid + " " + basic("../tables/v1-v2.hsp") + " --timeout 2000");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(tables.ask("after-updates"), std::to_string(1 + 10 * 'g'));
}

TEST_F(Control, ApplyStatusRevertLogFromTheShell) {
  ToolRun r = hotswap("apply " + pid_ + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "applied")) << r.out;
  EXPECT_EQ(program_->ask("compute"), "110");

  r = hotswap("status " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"chain\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "v1-v2.hsp")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"pause_ns\"")) << r.out;

  r = hotswap("status " + pid_);
  EXPECT_TRUE(contains(r.out, "pause")) << r.out;

  r = hotswap("revert " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(program_->ask("compute"), "11");
  r = hotswap("revert " + pid_);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "nothing to revert")) << r.out;

  r = hotswap("log " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"apply\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"revert\"")) << r.out;

  // The journal file has one JSON line per commit, revert and refusal.
  std::ifstream journal(dir_ / "journal.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(journal, line)) {
    ++lines;
    EXPECT_TRUE(contains(line, "\"action\"")) << line;
  }
  EXPECT_EQ(lines, 3);
}

TEST_F(Control, NoWaitReturnsOnceStagedThenCommits) {
  ToolRun r = hotswap("apply --no-wait " + pid_ + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "staged")) << r.out;
  std::string answer;
  for (int i = 0; i < 100 && (answer = program_->ask("compute")) != "110"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(answer, "110");
}

TEST_F(Control, ListShowsThisUsersProcesses) {
  ToolRun r = hotswap("list --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\"pid\": " + pid_)) << r.out;
}

TEST_F(Control, ExitCodesForUsageAndUnreachable) {
  EXPECT_EQ(hotswap("apply").exit_code, 2);
  EXPECT_EQ(hotswap("frobnicate 1").exit_code, 2);
  ToolRun r = hotswap("status 999999999");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(contains(r.out, "unreachable")) << r.out;
}

TEST_F(Control, BadPatchesAreRefusedWithTheirCause) {
  ToolRun r = hotswap("apply " + pid_ + " " + write("text.hsp", "not a patch"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "not a patch")) << r.out;

  std::ifstream in(basic("v1-v2.hsp"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  r = hotswap("apply " + pid_ + " " + write("cut.hsp", bytes.substr(0, bytes.size() / 3)));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "refused")) << r.out;

  std::string json = write("bad.json", "{\"format\": 1}");
  std::string bad = (dir_ / "bad.hsp").string();
  ASSERT_EQ(std::system(("objcopy --update-section .hotswap.manifest=" + json + " " +
                         basic("v1-v2.hsp") + " " + bad)
                            .c_str()),
            0);
  r = hotswap("apply " + pid_ + " " + bad);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "manifest")) << r.out;

  r = hotswap("apply " + pid_ + " " + basic("v2-v3.hsp"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "is for version")) << r.out;
  expect_serving("11");
  r = hotswap("log " + pid_);
  EXPECT_TRUE(contains(r.out, "refused")) << r.out;
}

// The frame length a raw answer announces.
std::uint32_t announced_length(const std::string& answer) {
  if (answer.size() < 4) return 0;
  auto byte = [&](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(answer[i]));
  };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

TEST_F(Control, LogAndStatusAnswerWhenTheJournalOutgrowsAFrame) {
  // Refusals that each name a 3000-byte path: the journal holds several frames' worth.
  std::string missing = "/nonexistent";
  while (missing.size() < 3000) missing += "/" + std::string(100, 'd');
  const int kRefusals = 40;
  for (int i = 0; i < kRefusals; ++i)
    ASSERT_TRUE(
        contains(program_->ask("apply " + missing + "/" + std::to_string(i) + ".hsp"), "refused"));

  ToolRun r = hotswap("log " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  EXPECT_EQ(count(r.out, ".hsp: no such patch file"), kRefusals);
  EXPECT_TRUE(contains(r.out, "/39.hsp")) << r.out.substr(0, 300);
  r = hotswap("log " + pid_ + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  EXPECT_EQ(count(r.out, "\"action\""), kRefusals);
  r = hotswap("log " + pid_ + " --last 3");
  EXPECT_EQ(count(r.out, ".hsp: no such patch file"), 3) << r.out.substr(0, 300);
  EXPECT_TRUE(contains(r.out, "/39.hsp")) << r.out.substr(0, 300);
  EXPECT_FALSE(contains(r.out, "/36.hsp")) << r.out.substr(0, 300);

  // One answer carries the newest entries that fit in a frame and says that older ones exist.
  std::string answer =
      raw_exchange(socket_path(), frame("{\"protocol\": 1, \"op\": \"log\"}"), true);
  ASSERT_GE(answer.size(), 4u);
  EXPECT_EQ(announced_length(answer), answer.size() - 4);
  EXPECT_LE(answer.size() - 4, 65536u);
  EXPECT_TRUE(contains(answer, "\"more\":true")) << answer.substr(0, 300);
  EXPECT_TRUE(contains(answer, "/39.hsp")) << answer.substr(0, 300);
  answer =
      raw_exchange(socket_path(),
                   frame("{\"protocol\": 1, \"op\": \"log\", \"limit\": 2, \"before\": 30}"), true);
  EXPECT_EQ(count(answer, "\"action\""), 2) << answer.substr(0, 300);
  // Sequence numbers count from 1: seq 28 and 29 are refusals 27 and 28.
  EXPECT_TRUE(contains(answer, "/27.hsp")) << answer.substr(0, 300);
  EXPECT_TRUE(contains(answer, "/28.hsp")) << answer.substr(0, 300);
  EXPECT_FALSE(contains(answer, "/29.hsp")) << answer.substr(0, 300);

  r = hotswap("status " + pid_);
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 300);
  expect_serving("11");
}

TEST_F(Control, AForkedChildThatExitsLeavesTheSocketInPlace) {
  EXPECT_EQ(program_->ask("fork-exit"), "child exited 0");
  EXPECT_TRUE(std::filesystem::exists(socket_path()));
  expect_serving("11");
}

TEST_F(Control, ANoWaitApplyCommitsBeforeTheNextChangeIsStaged) {
  // The second patch is for the version the first one makes: staged before that commit, it
  // would be refused.
  for (int round = 0; round < 5; ++round) {
    ToolRun r = hotswap("apply --no-wait " + pid_ + " " + basic("v1-v2.hsp"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = hotswap("apply " + pid_ + " " + basic("v2-v3.hsp"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(hotswap("revert " + pid_).exit_code, 0);
    EXPECT_EQ(hotswap("revert " + pid_).exit_code, 0);
  }
  expect_serving("11");
}

TEST_F(Control, RootReachesAnotherUsersProcess) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a program as another user";
  // The other user's runtime directory: not where root's own tool looks.
  const uid_t kNobody = 65534;
  std::filesystem::path other = std::filesystem::temp_directory_path() /
                                ("hotswap-control-other-" + std::to_string(getpid()));
  std::filesystem::create_directories(other);
  ASSERT_EQ(chown(other.c_str(), kNobody, kNobody), 0);
  std::filesystem::permissions(other, std::filesystem::perms::owner_all);
  setenv("XDG_RUNTIME_DIR", other.c_str(), 1);
  auto program = std::make_unique<Process>(basic("v1"), kNobody);
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  std::string pid = program->ask("pid");
  if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) {
    std::filesystem::remove_all(other);
    GTEST_SKIP() << "the test program cannot run as uid " << kNobody << ": " << pid;
  }

  ToolRun r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "pid " + pid)) << r.out;
  r = hotswap("apply " + pid + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(program->ask("compute"), "110");
  r = hotswap("revert " + pid);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = hotswap("log " + pid);
  EXPECT_EQ(count(r.out, "  ok  "), 2) << r.out;

  // Root follows the user's directory only while it is the user's own and closed to others.
  std::filesystem::permissions(other / "hotswap", std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_read |
                                                      std::filesystem::perms::group_exec);
  r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(contains(r.out, "open to other users")) << r.out;
  std::filesystem::permissions(other / "hotswap", std::filesystem::perms::owner_all);
  EXPECT_EQ(hotswap("status " + pid).exit_code, 0);

  program.reset();
  std::filesystem::remove_all(other);
}

}  // namespace
}  // namespace control_e2e
