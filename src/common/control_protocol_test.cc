#include "common/control_protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace hotswap {
namespace {

using std::chrono::milliseconds;

class Frames : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_)
      if (fd >= 0) close(fd);
  }
  void send_raw(const std::string& bytes) {
    ASSERT_EQ(send(fds_[0], bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void close_writer() {
    close(fds_[0]);
    fds_[0] = -1;
  }
  std::string read_error(milliseconds wait = milliseconds(500)) {
    auto r = read_frame(fds_[1], deadline_after(wait));
    return r ? "<read: " + *r + ">" : r.error().message;
  }

  int fds_[2] = {-1, -1};
};

TEST_F(Frames, RoundTrip) {
  ASSERT_TRUE(write_frame(fds_[0], "{\"protocol\": 1}", deadline_after(milliseconds(500))));
  auto r = read_frame(fds_[1], deadline_after(milliseconds(500)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "{\"protocol\": 1}");
  std::string largest(kMaxMessageBytes, 'x');
  std::thread writer(
      [&] { EXPECT_TRUE(write_frame(fds_[0], largest, deadline_after(milliseconds(2000)))); });
  r = read_frame(fds_[1], deadline_after(milliseconds(2000)));
  writer.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, largest);
  EXPECT_FALSE(write_frame(fds_[0], std::string(kMaxMessageBytes + 1, 'x'),
                           deadline_after(milliseconds(500))));
  EXPECT_FALSE(write_frame(fds_[0], "", deadline_after(milliseconds(500))));
}

TEST_F(Frames, BadFramesSayWhatIsWrong) {
  send_raw(std::string("\x00\x00\x00\x00", 4));
  EXPECT_EQ(read_error(), "empty message");
  send_raw(std::string("\x00\x01\x00\x01", 4));
  EXPECT_NE(read_error().find("exceeds the limit"), std::string::npos);
  send_raw(std::string("\x00\x00\x00\x10", 4) + "short");
  close_writer();
  EXPECT_NE(read_error().find("truncated message (5 of 16 bytes): closed"), std::string::npos);
}

TEST_F(Frames, AClosedOrSilentPeerIsNoMessage) {
  EXPECT_EQ(read_error(milliseconds(100)), "no message: timed out");
  send_raw(std::string("\x00\x00", 2));
  EXPECT_EQ(read_error(milliseconds(100)), "truncated frame header: timed out");
  send_raw(std::string("\x00", 1));
  close_writer();
  EXPECT_EQ(read_error(), "truncated frame header: closed");
  EXPECT_EQ(read_error(), "no message: closed");
}

TEST_F(Frames, TheDeadlineHoldsForTheWholeFrameHoweverItTrickles) {
  // A byte every 50 ms: every read gets something in time, the frame never completes.
  std::thread trickler([&] {
    std::string frame = std::string("\x00\x00\x00\x40", 4) + std::string(64, 'x');
    for (char c : frame) {
      if (send(fds_[0], &c, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  auto start = std::chrono::steady_clock::now();
  std::string error = read_error(milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("timed out"), std::string::npos) << error;
  EXPECT_LT(took, milliseconds(600));
  shutdown(fds_[1], SHUT_RDWR);
  trickler.join();
}

TEST_F(Frames, AWriteToAPeerThatDoesNotReadEndsAtTheDeadline) {
  int size = 4096;
  setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  Status sent = Status::success();
  for (int i = 0; i < 100 && sent; ++i)
    sent = write_frame(fds_[0], std::string(60000, 'x'), deadline_after(milliseconds(100)));
  EXPECT_FALSE(sent);
  EXPECT_EQ(sent.message(), "timed out");
}

TEST(FrameLength, ChecksTheLimits) {
  const unsigned char zero[4] = {0, 0, 0, 0}, one[4] = {0, 0, 0, 1}, limit[4] = {0, 1, 0, 0},
                      over[4] = {0, 1, 0, 1}, huge[4] = {0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(frame_length(zero));
  EXPECT_EQ(*frame_length(one), 1u);
  EXPECT_EQ(*frame_length(limit), kMaxMessageBytes);
  EXPECT_FALSE(frame_length(over));
  EXPECT_FALSE(frame_length(huge));
}

}  // namespace
}  // namespace hotswap
