#include "tool/diff/build_settings.h"

#include <gtest/gtest.h>

namespace hotswap::diff {
namespace {

TEST(BuildSettings, SameProducerIgnoringPathOptions) {
  EXPECT_EQ(producer_difference("GNU C++17 12.2.0 -O2 -g -ffile-prefix-map=/a/v1/=",
                                "GNU C++17 12.2.0 -O2 -g -ffile-prefix-map=/a/v2/="),
            "");
}

TEST(BuildSettings, NamesTheDifference) {
  EXPECT_EQ(producer_difference("GNU C++17 12.2.0 -O2 -g", "GNU C++17 12.2.0 -O2 -g -O1"), "options (none) -> -O1");
  EXPECT_EQ(producer_difference("GNU C++17 12.2.0 -O2", "GNU C++17 13.1.0 -O2"),
            "compiler \"GNU C++17 12.2.0\" -> \"GNU C++17 13.1.0\"");
  EXPECT_EQ(producer_difference("Debian clang version 14.0.6", "Debian clang version 14.0.6"), "");
}

TEST(BuildSettings, RecordsAreComparedFirst) {
  BuildRecord a, b;
  a.compiler = "GNU 12.2.0";
  b.compiler = "Clang 14.0.6";
  Status s = check_same_build_settings(a, b, {}, {}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("GNU 12.2.0"), std::string::npos);
  b.compiler = a.compiler;
  Status t = check_same_build_settings(a, b, {{"main.cpp", "GNU C++17 12.2.0 -O2"}},
                                       {{"main.cpp", "GNU C++17 12.2.0 -O3"}}, {"main.cpp"});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find("main.cpp"), std::string::npos);
  EXPECT_NE(t.message().find("-O2 -> -O3"), std::string::npos);
}

TEST(BuildSettings, RecordFlagsDifferingOnlyInPathsAreTheSame) {
  BuildRecord a, b;
  a.compiler = b.compiler = "GNU 12.2.0";
  a.flags = "-O2 -ffile-prefix-map=/src/release-1/= -I/src/release-1/include -DNDEBUG";
  b.flags = "-O2 -ffile-prefix-map=/src/release-2/= -I/src/release-2/include -DNDEBUG";
  EXPECT_TRUE(check_same_build_settings(a, b, {}, {}, {}).ok());
  b.flags = "-O2 -ffile-prefix-map=/src/release-2/= -I /src/release-2/include -DNDEBUG";
  EXPECT_TRUE(check_same_build_settings(a, b, {}, {}, {}).ok()) << "a directory given as the next word";
  a.flags = "-O2 -D MODE=1";
  b.flags = "-O2 -D MODE=2";
  EXPECT_FALSE(check_same_build_settings(a, b, {}, {}, {}).ok()) << "a value given as the next word counts";
  a.flags = "-O2 -ffile-prefix-map=/src/release-1/= -I/src/release-1/include -DNDEBUG";
  b.flags = "-O3 -ffile-prefix-map=/src/release-2/= -DNDEBUG";
  Status s = check_same_build_settings(a, b, {}, {}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("different flags"), std::string::npos);
}

}  // namespace
}  // namespace hotswap::diff
