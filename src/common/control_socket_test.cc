#include "common/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace hotswap {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class ControlDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hotswap-socket-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
  }
  void TearDown() override {
    for (int fd : sockets_) close(fd);
    fs::remove_all(dir_);
  }
  // A socket bound at `name` in the directory, listening or not.
  void make_socket(const std::string& name, bool listening) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = (dir_ / name).string();
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
    if (!listening) {
      close(fd);
      return;
    }
    sockets_.push_back(fd);
    ASSERT_EQ(listen(fd, 1), 0);
  }

  fs::path dir_;
  std::vector<int> sockets_;
};

TEST(ControlDirectoryPath, RuntimeDirectoryOrTmp) {
  EXPECT_EQ(control_directory_path(1000, "/run/user/1000"), "/run/user/1000/hotswap");
  EXPECT_EQ(control_directory_path(1000, ""), "/tmp/hotswap-1000");
  EXPECT_EQ(control_socket_path("/tmp/hotswap-1000", 42), "/tmp/hotswap-1000/42.sock");
}

TEST_F(ControlDirectory, OnlyAClosedDirectoryOfTheUserIsAccepted) {
  EXPECT_TRUE(check_control_directory(dir_.string(), getuid()));
  Status other_user = check_control_directory(dir_.string(), getuid() + 1);
  EXPECT_NE(other_user.message().find("belongs to another user"), std::string::npos);

  fs::permissions(dir_, fs::perms::group_read | fs::perms::group_exec, fs::perm_options::add);
  Status open = check_control_directory(dir_.string(), getuid());
  EXPECT_NE(open.message().find("open to other users"), std::string::npos);
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);

  fs::create_directory(dir_ / "real");
  fs::permissions(dir_ / "real", fs::perms::owner_all, fs::perm_options::replace);
  fs::create_directory_symlink(dir_ / "real", dir_ / "link");
  Status link = check_control_directory((dir_ / "link").string(), getuid());
  EXPECT_NE(link.message().find("is not a directory"), std::string::npos);
  EXPECT_FALSE(check_control_directory((dir_ / "missing").string(), getuid()));
}

TEST_F(ControlDirectory, TheSweepRemovesOnlySocketsNobodyListensOn) {
  make_socket("101.sock", /*listening=*/true);
  make_socket("102.sock", /*listening=*/false);
  make_socket("notes.sock", /*listening=*/false);  // not a name the program gives
  std::ofstream(dir_ / "103.sock") << "a file, not a socket";
  make_socket(std::to_string(getpid()) + ".sock", /*listening=*/false);  // our own

  auto lock = DirectoryLock::acquire(dir_.string(), milliseconds(100));
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(remove_stale_sockets(dir_.string(), *lock), 1);
  EXPECT_TRUE(fs::exists(dir_ / "101.sock"));
  EXPECT_FALSE(fs::exists(dir_ / "102.sock"));
  EXPECT_TRUE(fs::exists(dir_ / "notes.sock"));
  EXPECT_TRUE(fs::exists(dir_ / "103.sock"));
  EXPECT_TRUE(fs::exists(dir_ / (std::to_string(getpid()) + ".sock")));
}

TEST_F(ControlDirectory, TheLockIsExclusiveUntilReleased) {
  {
    auto held = DirectoryLock::acquire(dir_.string(), milliseconds(100));
    ASSERT_TRUE(held);
    auto second = DirectoryLock::acquire(dir_.string(), milliseconds(50));
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("held by another process"), std::string::npos);
  }
  EXPECT_TRUE(DirectoryLock::acquire(dir_.string(), milliseconds(50)));
  EXPECT_FALSE(DirectoryLock::acquire((dir_ / "missing").string(), milliseconds(50)));
}

}  // namespace
}  // namespace hotswap
