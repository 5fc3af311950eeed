#include "runtime/start_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace hotswap {
namespace {

// Each test sets the variables it needs and clears the others.
class StartOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) unsetenv(name);
    keys_ = std::filesystem::temp_directory_path() / ("hotswap-keys-" + std::to_string(getpid()));
  }
  void TearDown() override {
    for (const char* name : kVariables) unsetenv(name);
    std::filesystem::remove(keys_);
  }
  static constexpr const char* kVariables[] = {"HOTSWAP_TRUSTED_KEYS", "HOTSWAP_REQUIRE_SIGNATURES",
                                               "HOTSWAP_ALLOWED_UIDS", "HOTSWAP_ALLOWED_GIDS", "HOTSWAP_CONTROL"};
  std::filesystem::path keys_;
};

TEST_F(StartOptionsTest, NoSettingIsNoPolicy) {
  Policies p = policies_from({});
  EXPECT_TRUE(p.problem.empty());
  EXPECT_FALSE(p.trust.enforced);
  EXPECT_FALSE(p.access.restricted());
  EXPECT_TRUE(p.access.control_plane);
  EXPECT_TRUE(access_allowed(p.access, {getuid(), {}}));
  EXPECT_TRUE(access_allowed(p.access, {0, {}}));
  EXPECT_EQ(access_allowed(p.access, {getuid() + 1, {}}), getuid() + 1 == 0);
}

TEST_F(StartOptionsTest, TheEnvironmentNamesTheKeysFile) {
  auto pair = generate_key_pair();
  ASSERT_TRUE(pair);
  std::ofstream(keys_) << "# release key\n" << pair->public_key.line() << "\n";
  setenv("HOTSWAP_TRUSTED_KEYS", keys_.c_str(), 1);
  Policies p = policies_from({});
  EXPECT_TRUE(p.problem.empty()) << p.problem;
  EXPECT_TRUE(p.trust.enforced);
  ASSERT_EQ(p.trust.keys.size(), 1u);
  EXPECT_NE(p.trust.describe().find(pair->public_key.id()), std::string::npos) << p.trust.describe();
  EXPECT_NE(p.trust.describe().find("HOTSWAP_TRUSTED_KEYS"), std::string::npos);
}

TEST_F(StartOptionsTest, AnUnreadableKeysFileRefusesEveryPatch) {
  setenv("HOTSWAP_TRUSTED_KEYS", (keys_.string() + ".missing").c_str(), 1);
  Policies p = policies_from({});
  EXPECT_NE(p.problem.find("cannot read"), std::string::npos) << p.problem;
  EXPECT_TRUE(p.trust.enforced);
  EXPECT_TRUE(p.trust.keys.empty());
  std::ofstream(keys_) << "hotswap-ed25519 nothex\n";
  setenv("HOTSWAP_TRUSTED_KEYS", keys_.c_str(), 1);
  p = policies_from({});
  EXPECT_NE(p.problem.find("line 1"), std::string::npos) << p.problem;
  EXPECT_TRUE(p.trust.enforced && p.trust.keys.empty());
}

TEST_F(StartOptionsTest, AKeysFileThatIsNoFileOrAnEmptyNameFailsClosed) {
  setenv("HOTSWAP_TRUSTED_KEYS", std::filesystem::temp_directory_path().c_str(), 1);  // a directory
  Policies p = policies_from({});
  EXPECT_NE(p.problem.find("not a regular file"), std::string::npos) << p.problem;
  EXPECT_TRUE(p.trust.enforced && p.trust.keys.empty());
  setenv("HOTSWAP_TRUSTED_KEYS", "", 1);  // a template left blank
  p = policies_from({});
  EXPECT_NE(p.problem.find("empty"), std::string::npos) << p.problem;
  EXPECT_TRUE(p.trust.enforced && p.trust.keys.empty());
}

TEST_F(StartOptionsTest, OptionsGivenToStartWinOverTheEnvironment) {
  auto a = generate_key_pair(), b = generate_key_pair();
  ASSERT_TRUE(a && b);
  std::ofstream(keys_) << b->public_key.line() << "\n";
  setenv("HOTSWAP_TRUSTED_KEYS", keys_.c_str(), 1);
  setenv("HOTSWAP_ALLOWED_UIDS", "7", 1);
  StartOptions o;
  o.trusted_keys = {a->public_key.line()};
  o.allowed_gids = {42};
  Policies p = policies_from(o);
  ASSERT_EQ(p.trust.keys.size(), 1u);
  EXPECT_EQ(p.trust.keys[0], a->public_key);
  EXPECT_TRUE(p.access.uids.empty());
  EXPECT_EQ(p.access.gids, std::vector<gid_t>{42});
  EXPECT_TRUE(access_allowed(p.access, {12345, {1, 42}}));
  EXPECT_FALSE(access_allowed(p.access, {getuid(), {1}}));
}

TEST_F(StartOptionsTest, RequiredSignaturesWithoutKeysRefuseEverything) {
  setenv("HOTSWAP_REQUIRE_SIGNATURES", "1", 1);
  Policies p = policies_from({});
  EXPECT_TRUE(p.trust.enforced);
  EXPECT_TRUE(p.trust.keys.empty());
  EXPECT_NE(p.trust.describe().find("every patch is refused"), std::string::npos) << p.trust.describe();
}

TEST_F(StartOptionsTest, AllowedIdsAndTheControlPlaneFromTheEnvironment) {
  setenv("HOTSWAP_ALLOWED_UIDS", "0, 1000", 1);
  setenv("HOTSWAP_CONTROL", "off", 1);
  Policies p = policies_from({});
  EXPECT_EQ(p.access.uids, (std::vector<uid_t>{0, 1000}));
  EXPECT_FALSE(p.access.control_plane);
  EXPECT_TRUE(access_allowed(p.access, {1000, {}}));
  EXPECT_FALSE(access_allowed(p.access, {1001, {}}));
  // A list that does not parse narrows to nobody rather than widen to everyone, and a
  // socket meant to be off stays off.
  setenv("HOTSWAP_ALLOWED_UIDS", "root", 1);
  p = policies_from({});
  EXPECT_NE(p.problem.find("root"), std::string::npos) << p.problem;
  EXPECT_FALSE(access_allowed(p.access, {getuid(), {}}));
  EXPECT_FALSE(access_allowed(p.access, {0, {}}));
  EXPECT_FALSE(p.access.control_plane);
  unsetenv("HOTSWAP_ALLOWED_UIDS");
  for (const char* off : {"OFF", "no", "False", "0"}) {
    setenv("HOTSWAP_CONTROL", off, 1);
    EXPECT_FALSE(policies_from({}).access.control_plane) << off;
  }
  setenv("HOTSWAP_CONTROL", "on", 1);
  EXPECT_TRUE(policies_from({}).access.control_plane);
}

TEST(ParseIdList, NumbersSeparatedByCommas) {
  EXPECT_EQ(*parse_id_list("5"), std::vector<unsigned>{5});
  EXPECT_EQ(*parse_id_list(" 1 ,2,3 "), (std::vector<unsigned>{1, 2, 3}));
  EXPECT_FALSE(parse_id_list(""));
  EXPECT_FALSE(parse_id_list("1,,2"));
  EXPECT_FALSE(parse_id_list("-1"));
  EXPECT_FALSE(parse_id_list("4294967295"));
  EXPECT_FALSE(parse_id_list("99999999999"));
}

}  // namespace
}  // namespace hotswap
