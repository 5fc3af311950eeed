// Patch trust and fleets end to end (docs/signing.md, docs/fleet.md): signed patches under a
// trust policy, who may apply, the journal of who did, and `--all` over many processes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "control_fixture.h"
#include "process.h"

namespace control_e2e {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<nlohmann::json> journal_lines(const fs::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

ToolRun shell(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string fleet(const std::string& file) {
  const char* env = std::getenv("HOTSWAP_E2E_OUT");
  return std::string(env ? env : E2E_OUT) + "/fleet/" + file;
}

// The program's own runtime directory and keys under a private folder; programs started
// with the environment a test gives them.
class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short: the control socket's path must fit in sun_path.
    static int tests = 0;
    dir_ = fs::temp_directory_path() / ("hotswap-trust-" + std::to_string(getpid()) + "-" + std::to_string(++tests));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
    const char* before = std::getenv("XDG_RUNTIME_DIR");
    xdg_before_ = before ? std::optional<std::string>(before) : std::nullopt;
    setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    programs_.clear();
    fs::remove_all(dir_);
    if (xdg_before_) setenv("XDG_RUNTIME_DIR", xdg_before_->c_str(), 1);
    else unsetenv("XDG_RUNTIME_DIR");
  }

  // Starts basic/v1 (or `binary`) with these variables set; returns it and its pid.
  Process& start(const std::vector<std::pair<std::string, std::string>>& env, const std::string& binary = "") {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    programs_.push_back(std::make_unique<Process>(binary.empty() ? basic("v1") : binary));
    for (const auto& [name, value] : env) unsetenv(name.c_str());
    return *programs_.back();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // A key pair made by the tool: path(name) and path(name).pub.
  std::string keygen(const std::string& name) {
    ToolRun r = hotswap("keygen -o " + path(name));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return path(name);
  }
  std::string key_id(const std::string& key) {
    std::string line = read_file(key + ".pub");
    return line.substr(line.rfind(' ') + 1, 16);
  }
  // A copy of basic's v1-v2 patch, signed with `key` unless it is "".
  std::string patch(const std::string& name, const std::string& key) {
    fs::copy_file(basic("v1-v2.hsp"), path(name), fs::copy_options::overwrite_existing);
    if (!key.empty()) {
      ToolRun r = hotswap("sign " + path(name) + " --key " + key);
      EXPECT_EQ(r.exit_code, 0) << r.out;
    }
    return path(name);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  fs::path dir_;
  std::optional<std::string> xdg_before_;
  std::vector<std::unique_ptr<Process>> programs_;
};

TEST_F(Trust, ASignedPatchAppliesUnderAPolicyAndStatusAndTheJournalSayWhoAndWhichKey) {
  std::string key = keygen("release");
  Process& p = start({{"HOTSWAP_TRUSTED_KEYS", key + ".pub"}, {"HOTSWAP_JOURNAL", path("journal.jsonl")}});
  std::string pid = p.ask("pid");
  ToolRun r = hotswap("apply " + pid + " " + patch("signed.hsp", key));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(p.ask("compute"), "110");
  r = hotswap("status " + pid);
  EXPECT_TRUE(contains(r.out, "trust   signed patches only, by " + key_id(key))) << r.out;
  EXPECT_TRUE(contains(r.out, "key " + key_id(key) + ")")) << r.out;
  // A revert that names another patch is refused by the program itself, and changes nothing.
  r = hotswap("revert " + pid + " --patch 0123456789abcdef");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "not reverted: the last patch applied is")) << r.out;
  EXPECT_EQ(p.ask("compute"), "110");
  r = hotswap("revert " + pid + " --patch " + path("signed.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;

  std::vector<nlohmann::json> journal = journal_lines(path("journal.jsonl"));
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_FALSE(journal[1]["ok"].get<bool>()) << "the refused revert";
  EXPECT_EQ(journal[1]["to"], "") << "a refused revert changed no version";
  journal.erase(journal.begin() + 1);
  for (const nlohmann::json& line : journal) {
    EXPECT_TRUE(line["ok"].get<bool>()) << line.dump();
    EXPECT_EQ(line["key_id"], key_id(key));
    EXPECT_EQ(line["by"]["via"], "socket");
    EXPECT_EQ(line["by"]["uid"], getuid());
    EXPECT_GT(line["by"]["pid"].get<long>(), 0);
    EXPECT_NE(line["by"]["pid"].get<long>(), std::stol(pid));  // the tool's, not the program's
    EXPECT_EQ(line["patch_id"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(journal[0]["action"], "apply");
  EXPECT_EQ(journal[1]["action"], "revert");
}

TEST_F(Trust, UnsignedForeignAndTamperedPatchesAreRefusedAndChangeNothing) {
  std::string key = keygen("release"), other = keygen("other");
  Process& p = start({{"HOTSWAP_TRUSTED_KEYS", key + ".pub"}});
  std::string pid = p.ask("pid");
  auto refused = [&](const std::string& file, const std::string& why) {
    ToolRun r = hotswap("apply " + pid + " " + file);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(contains(r.out, why)) << r.out;
    // The program's own apply() is held to the same policy.
    std::string own = p.ask("apply " + file);
    EXPECT_TRUE(contains(own, "refused") && contains(own, why)) << own;
    EXPECT_EQ(p.ask("compute"), "11");
    EXPECT_TRUE(contains(hotswap("status " + pid).out, "\n  base")) << "nothing applied";
    EXPECT_FALSE(contains(hotswap("status " + pid).out, "\n  patch")) << "nothing applied";
  };
  refused(patch("unsigned.hsp", ""), "it is not signed");
  refused(patch("foreign.hsp", other), "signed by key " + key_id(other) + ", which the trust policy does not trust");

  // One byte of code changed after signing: the content no longer has the id signed.
  std::string tampered = patch("tampered.hsp", key);
  std::string bytes = read_file(tampered);
  std::size_t code = bytes.find("\x8d\x47\x64\xc3");  // compute's new body: lea 100(%rdi), %eax; ret
  ASSERT_NE(code, std::string::npos);
  bytes[code + 2] = 0x65;  // x + 101, in a section the id covers
  std::ofstream(tampered, std::ios::binary) << bytes;
  refused(tampered, "corrupt");

  // The signature itself altered: it no longer verifies under the trusted key.
  std::string forged = patch("forged.hsp", key);
  bytes = read_file(forged);
  std::size_t magic = bytes.find(std::string("HSSIG\x01\0\0", 8));
  ASSERT_NE(magic, std::string::npos);
  bytes[magic + 8 + 32 + 7] ^= 0x01;
  std::ofstream(forged, std::ios::binary) << bytes;
  refused(forged, "its signature does not match its content");

  ToolRun ok = hotswap("apply " + pid + " " + patch("signed.hsp", key));
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

TEST_F(Trust, TwoKeysDuringARotationThenTheOldOneRetired) {
  std::string old_key = keygen("old"), new_key = keygen("new");
  std::string both = write("both.keys", "# rotating\n" + read_file(old_key + ".pub") + read_file(new_key + ".pub"));
  Process& p = start({{"HOTSWAP_TRUSTED_KEYS", both}});
  std::string pid = p.ask("pid");
  std::string by_old = patch("by-old.hsp", old_key), by_new = patch("by-new.hsp", new_key);
  ToolRun r = hotswap("apply " + pid + " " + by_old);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(hotswap("revert " + pid).exit_code, 0);
  r = hotswap("apply " + pid + " " + by_new);  // the same content under the other key
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(hotswap("status " + pid).out, "key " + key_id(new_key))) << "the copy reused shows its new signer";

  Process& retired = start({{"HOTSWAP_TRUSTED_KEYS", new_key + ".pub"}});
  std::string retired_pid = retired.ask("pid");
  r = hotswap("apply " + retired_pid + " " + by_old);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "does not trust")) << r.out;
  EXPECT_EQ(hotswap("apply " + retired_pid + " " + by_new).exit_code, 0);
}

TEST_F(Trust, APolicyGivenToStartByTheProgramIsFixedOnce) {
  const char* out = std::getenv("HOTSWAP_E2E_OUT");
  std::string program = std::string(out ? out : E2E_OUT) + "/startopts/";
  std::string key = keygen("release");
  fs::copy_file(program + "v1-v2.hsp", path("unsigned.hsp"));
  fs::copy_file(program + "v1-v2.hsp", path("signed.hsp"));
  ASSERT_EQ(hotswap("sign " + path("signed.hsp") + " --key " + key).exit_code, 0);

  Process& p = start({}, program + "v1");
  std::string pid = p.ask("pid");
  EXPECT_TRUE(contains(p.ask("start-keys " + key + ".pub"), "ok ")) << "the program's own policy";
  ToolRun r = hotswap("apply " + pid + " " + path("unsigned.hsp"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "not signed")) << r.out;
  EXPECT_TRUE(contains(hotswap("status " + pid).out, "keys given to hotswap::start()"));
  // Starting again with the same options, or none (a library's start), does nothing.
  EXPECT_TRUE(contains(p.ask("start-keys " + key + ".pub"), "ok "));
  EXPECT_TRUE(contains(p.ask("start"), "ok "));
  EXPECT_TRUE(contains(p.ask("apply " + path("unsigned.hsp")), "refused")) << "the first policy holds";
  r = hotswap("apply " + pid + " " + path("signed.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(p.ask("compute"), "110");

  // An apply before any start fixes the environment's policy (none here): a start that
  // then asks for keys fails rather than leave the program thinking it has them, and the
  // process takes no patch from then on.
  Process& early = start({}, program + "v1");
  EXPECT_TRUE(contains(early.ask("apply " + path("unsigned.hsp")), "ok ")) << "no policy yet";
  std::string late = early.ask("start-keys " + key + ".pub");
  EXPECT_TRUE(contains(late, "error") && contains(late, "fixed")) << late;
  EXPECT_TRUE(contains(early.ask("apply " + path("signed.hsp")), "refused")) << "fails closed";
  // Reading the version before start fixes nothing.
  Process& reader = start({}, program + "v1");
  EXPECT_FALSE(reader.ask("version").empty());
  EXPECT_TRUE(contains(reader.ask("start-keys " + key + ".pub"), "ok "));
  EXPECT_TRUE(contains(reader.ask("apply " + path("unsigned.hsp")), "refused"));
}

TEST_F(Trust, APolicyWithNoKeyRefusesEveryPatch) {
  std::string key = keygen("release");
  Process& p = start({{"HOTSWAP_TRUSTED_KEYS", write("none.keys", "# every key revoked\n")}});
  std::string pid = p.ask("pid");
  ToolRun r = hotswap("apply " + pid + " " + patch("signed.hsp", key));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "the trust policy has no key")) << r.out;
  EXPECT_TRUE(contains(hotswap("status " + pid).out, "no key is trusted: every patch is refused"));
  Process& required = start({{"HOTSWAP_REQUIRE_SIGNATURES", "1"}});
  r = hotswap("apply " + required.ask("pid") + " " + patch("signed.hsp", key));
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(Trust, AnUnreadablePolicyFailsTheStart) {
  Process& p = start({{"HOTSWAP_TRUSTED_KEYS", path("missing.keys")}});
  std::string answer = p.ask("pid");  // the driver prints the start's error and exits
  EXPECT_TRUE(contains(answer, "error") && contains(answer, "missing.keys")) << answer;
}

TEST_F(Trust, ADisallowedUidIsRefusedAndJournaledWhileStatusAnswers) {
  if (getuid() == static_cast<uid_t>(-2)) GTEST_SKIP();
  std::string other_uid = std::to_string(getuid() + 1);
  Process& p = start({{"HOTSWAP_ALLOWED_UIDS", other_uid}, {"HOTSWAP_JOURNAL", path("journal.jsonl")}});
  std::string pid = p.ask("pid");
  ToolRun r = hotswap("apply " + pid + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "permission denied: uid " + std::to_string(getuid()) + " may not apply")) << r.out;
  r = hotswap("revert " + pid);
  EXPECT_TRUE(contains(r.out, "may not revert")) << r.out;
  r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "access  changes by uid " + other_uid + " only")) << r.out;
  EXPECT_EQ(p.ask("compute"), "11");
  // The program itself is not a peer: its own apply() goes on working.
  EXPECT_TRUE(contains(p.ask("apply " + basic("v1-v2.hsp")), "ok ")) << "in-process apply";

  std::vector<nlohmann::json> journal = journal_lines(path("journal.jsonl"));
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_FALSE(journal[0]["ok"].get<bool>());
  EXPECT_EQ(journal[0]["by"]["uid"], getuid());
  EXPECT_EQ(journal[0]["by"]["via"], "socket");
  EXPECT_EQ(journal[1]["action"], "revert");
  EXPECT_TRUE(journal[2]["ok"].get<bool>());
  EXPECT_EQ(journal[2]["by"]["via"], "api");
}

TEST_F(Trust, OnlyRootMayChangeAServiceUsersProcessWhenSoConfigured) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a program as another user";
  const uid_t kNobody = 65534;
  fs::path other = fs::temp_directory_path() / ("hotswap-trust-other-" + std::to_string(getpid()));
  fs::create_directories(other);
  ASSERT_EQ(chown(other.c_str(), kNobody, kNobody), 0);
  fs::permissions(other, fs::perms::owner_all);
  setenv("XDG_RUNTIME_DIR", other.c_str(), 1);
  setenv("HOTSWAP_ALLOWED_UIDS", "0", 1);
  auto program = std::make_unique<Process>(basic("v1"), kNobody);
  unsetenv("HOTSWAP_ALLOWED_UIDS");
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  std::string pid = program->ask("pid");
  if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) {
    fs::remove_all(other);
    GTEST_SKIP() << "the test program cannot run as uid " << kNobody << ": " << pid;
  }
  // The service's own user reaches the socket, and is refused.
  const char* tool = std::getenv("HOTSWAP_TOOL") ? std::getenv("HOTSWAP_TOOL") : HOTSWAP_TOOL;
  ToolRun r = shell("setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR=" + other.string() + " " +
                    tool + " apply " + pid + " " + basic("v1-v2.hsp"));
  EXPECT_TRUE(contains(r.out, "permission denied: uid 65534 may not apply")) << r.out;
  EXPECT_EQ(program->ask("compute"), "11");
  r = hotswap("apply " + pid + " " + basic("v1-v2.hsp"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(program->ask("compute"), "110");
  program.reset();
  fs::remove_all(other);
}

TEST_F(Trust, WithTheControlPlaneOffNothingListensAndTheProgramStillApplies) {
  Process& p = start({{"HOTSWAP_CONTROL", "off"}});
  std::string pid = p.ask("pid");
  ToolRun r = hotswap("status " + pid);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "hotswap" / (pid + ".sock")));
  EXPECT_TRUE(contains(p.ask("apply " + basic("v1-v2.hsp")), "ok ")) << "in-process apply";
  EXPECT_EQ(p.ask("compute"), "110");
}

TEST_F(Trust, VerifyAndDiffSign) {
  std::string key = keygen("release");
  ToolRun r = hotswap("keygen -o " + key);
  EXPECT_EQ(r.exit_code, 1) << "an existing key is never overwritten: " << r.out;
  EXPECT_EQ(fs::status(key).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

  std::string made = path("diffed.hsp");
  r = hotswap("diff " + basic("v1") + " " + basic("v2") + " -o " + made + " --sign " + key);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "signed with key " + key_id(key))) << r.out;
  r = hotswap("verify " + made + " --trusted-keys " + key + ".pub");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "signed by: " + key_id(key))) << r.out;
  r = hotswap("verify " + patch("unsigned.hsp", "") + " --trusted-keys " + key + ".pub");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(hotswap("verify " + patch("unsigned.hsp", "")).exit_code, 0) << "intact, and no policy asked";
  // A key that cannot sign fails before the diff, and leaves no patch.
  r = hotswap("diff " + basic("v1") + " " + basic("v2") + " -o " + path("nokey.hsp") + " --sign " + key + ".pub");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_FALSE(fs::exists(path("nokey.hsp")));
}

// --all: fifty processes of one build, one of which refuses the patch.
TEST_F(Trust, ApplyAllOverFiftyProcessesWithOneRefusing) {
  ToolRun before = hotswap("status --all " + fleet("v1"));
  ASSERT_EQ(before.exit_code, 3) << "no other process may run fleet/v1: --all would reach it\n" << before.out;
  std::vector<std::pair<long, Process*>> by_pid;
  for (int i = 0; i < 49; ++i) {
    Process& p = start({}, fleet("v1"));
    std::string pid = p.ask("pid");
    ASSERT_TRUE(!pid.empty() && std::isdigit(static_cast<unsigned char>(pid[0]))) << pid;
    by_pid.emplace_back(std::stol(pid), &p);
  }
  std::sort(by_pid.begin(), by_pid.end());
  std::vector<Process*> willing;
  for (auto& [pid, p] : by_pid) willing.push_back(p);
  std::string binary = fleet("v1"), patch_file = fleet("v1-v2.hsp");

  ToolRun r = hotswap("apply --all " + binary + " " + patch_file + " --limit 5");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "49 processes: 5 applied, 0 already, 0 failed, 44 left")) << r.out;
  for (int i = 0; i < 49; ++i) EXPECT_EQ(willing[i]->ask("compute"), i < 5 ? "110" : "11") << "the canary is the lowest pids";

  Process& refusing = start({{"HOTSWAP_REQUIRE_SIGNATURES", "1"}}, fleet("v1"));
  std::string refusing_pid = refusing.ask("pid");
  r = hotswap("apply --all " + binary + " " + patch_file);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "50 processes: 44 applied, 5 already, 1 failed, 0 left")) << r.out;
  EXPECT_TRUE(contains(r.out, refusing_pid + ": failed: patch refused: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "the trust policy has no key")) << r.out;
  EXPECT_EQ(count(r.out, ": applied "), 44) << r.out;
  for (Process* p : willing) EXPECT_EQ(p->ask("compute"), "110");
  EXPECT_EQ(refusing.ask("compute"), "11");

  r = hotswap("status --all " + binary);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(count(r.out, "1 patch  last "), 49) << r.out;
  EXPECT_TRUE(contains(r.out, "50 processes: 50 answered, 0 failed")) << r.out;

  // Only the processes whose last patch is this one are reverted.
  r = hotswap("revert --all " + binary + " --patch " + patch_file);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "50 processes: 49 reverted, 1 skipped, 0 failed")) << r.out;
  EXPECT_TRUE(contains(r.out, refusing_pid + ": skipped: it runs its base version")) << r.out;
  for (Process* p : willing) EXPECT_EQ(p->ask("compute"), "11");

  r = hotswap("apply --all " + fleet("v2") + " " + patch_file);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(contains(r.out, "no process runs build")) << r.out;
}

}  // namespace
}  // namespace control_e2e
