#include "tool/target_socket.h"

#include <gtest/gtest.h>

namespace hotswap {
namespace {

TEST(TargetSocket, RealUidFromStatus) {
  EXPECT_EQ(real_uid_from_status(
                "Name:\tv1\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\n"),
            1000u);
  EXPECT_EQ(real_uid_from_status("Uid:\t0\t0\t0\t0\n"), 0u);
  EXPECT_FALSE(real_uid_from_status("Name:\tv1\n"));
  EXPECT_FALSE(real_uid_from_status("Uid:\tx\n"));
  EXPECT_FALSE(real_uid_from_status(""));
}

TEST(TargetSocket, EnvironmentValue) {
  std::string environ("HOME=/root\0XDG_RUNTIME_DIR=/run/user/1000\0EMPTY=\0XDG_RUNTIME_DIRX=no",
                      67);
  EXPECT_EQ(environment_value(environ, "XDG_RUNTIME_DIR"), "/run/user/1000");
  EXPECT_EQ(environment_value(environ, "HOME"), "/root");
  EXPECT_EQ(environment_value(environ, "EMPTY"), "");
  EXPECT_EQ(environment_value(environ, "XDG"), "");
  EXPECT_EQ(environment_value(environ, "PATH"), "");
  EXPECT_EQ(environment_value("", "HOME"), "");
  EXPECT_EQ(environment_value(std::string("A=1\0B", 5), "B"), "");  // cut short
}

TEST(TargetSocket, ListeningUnixSocketsWithAbsolutePaths) {
  std::string table =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000077f6d47b: 00000002 00000000 00010000 0001 01 31415 /run/user/1000/hotswap/42.sock\n"
      "0000000077f6d47c: 00000003 00000000 00000000 0001 03 27182 /run/user/1000/hotswap/43.sock\n"
      "0000000077f6d47d: 00000002 00000000 00010000 0001 01 16180 @abstract\n"
      "0000000077f6d47e: 00000002 00000000 00010000 0001 01 11235\n"
      "0000000077f6d47f: 00000002 00000000 00010000 0001 01 99999 /tmp/with space/7.sock\n"
      "garbage\n";
  auto sockets = listening_unix_sockets(table);
  ASSERT_EQ(sockets.size(), 2u);
  EXPECT_EQ(sockets[31415], "/run/user/1000/hotswap/42.sock");  // 27182 is connected, not listening
  EXPECT_EQ(sockets[99999], "/tmp/with space/7.sock");
  EXPECT_TRUE(listening_unix_sockets("").empty());
}

}  // namespace
}  // namespace hotswap
