// Objects that raw pointers own together (docs/type-updates.md, hotswap::migrate_once):
// blobs counted by hand, held by a table and by readers, some by readers alone.
// Release 2 changes the blob; each moves once for all its owners (hotswap::migrate_once),
// keeps its count, data and descriptor, and the old one is freed exactly once after the
// update commits: going forward and back, again, and after a refusal.
#include <unistd.h>

#include <algorithm>
#include <string>

#include "e2e_paths.h"
#include "process.h"

using namespace e2e;

namespace {

std::string patch(const std::string& name) { return out_dir() + "/counted/" + name + ".hsp"; }

constexpr int kBlobs = 20;

// 20 blobs, 30 readers (blob i is read by readers i and i + 20), blobs 3 and 7 held by
// their readers only.
void fill(Process& p) {
  ASSERT_EQ(p.ask("fill " + std::to_string(kBlobs)), "filled");
  ASSERT_EQ(p.ask("attach 30"), "attached");
  ASSERT_EQ(p.ask("evict 3"), "evicted");
  ASSERT_EQ(p.ask("evict 7"), "evicted");
  ASSERT_EQ(p.ask("audit"), "v1 blobs 18 held 20 refs ok data ok fds ok");
}

// Watches every blob held now (the program counts those freed from here on).
void watch(Process& p) { ASSERT_EQ(p.ask("watch"), "watching " + std::to_string(kBlobs)); }
int freed(Process& p) { return std::stoi(p.ask("freed")); }

// The program's open descriptors once they equal `want`, or after two seconds what they
// are: another test's `hotswap status --all` may hold a connection to this process's control
// socket for a moment (the count is one higher), a leak stays. Two reads alike, so that a
// descriptor closed and one passing through do not add up to the count wanted.
std::string descriptors_as(Process& p, const std::string& want) {
  std::string now = p.ask("descriptors");
  for (int i = 0; i < 200; ++i) {
    usleep(10000);
    std::string again = p.ask("descriptors");
    if (again == now && now == want) break;  // twice alike: no connection passing through
    now = again;
  }
  return now;
}

// The fewest descriptors seen over a few reads: the count without a passing connection.
std::string quiet_descriptors(Process& p) {
  long fewest = std::stol(p.ask("descriptors"));
  for (int i = 0; i < 5; ++i) {
    usleep(10000);
    fewest = std::min(fewest, std::stol(p.ask("descriptors")));
  }
  return std::to_string(fewest);
}

}  // namespace

TEST(SharedObjects, ABlobOwnedByATableAndReadersMovesOnceAndTheOldOneIsFreedOnce) {
  Process p(program("counted", "v1"));
  fill(p);
  const std::string descriptors = quiet_descriptors(p);
  for (int round = 0; round < 2 && !::testing::Test::HasFailure(); ++round) {
    watch(p);
    std::string applied = p.ask("apply " + patch("v1-v2.edited"));
    EXPECT_APPLIED(applied);
    EXPECT_NE(applied.find("pool::Blob " + std::to_string(kBlobs)), std::string::npos)
        << "every blob moved once, whichever owner met it first: " << applied;
    EXPECT_EQ(p.ask("audit"), "v2 blobs 18 held 20 refs ok data ok fds ok lru ok");
    EXPECT_EQ(freed(p), kBlobs) << "every old blob freed (a second free would have aborted)";
    EXPECT_EQ(descriptors_as(p, descriptors), descriptors) << "no descriptor closed or leaked";
    EXPECT_EQ(p.ask("read"), "read 280");
    EXPECT_EQ(p.ask("audit"), "v2 blobs 18 held 20 refs ok data ok fds ok lru ok") << "the new list is in use";

    watch(p);
    EXPECT_TRUE(starts_with(p.ask("revert"), "ok reverted"));
    EXPECT_EQ(p.ask("audit"), "v1 blobs 18 held 20 refs ok data ok fds ok");
    EXPECT_EQ(freed(p), kBlobs)
        << "every patch's blob freed, by the runtime alone: the table's and readers' destructors released none";
    EXPECT_EQ(descriptors_as(p, descriptors), descriptors);
  }
  // The program's own code releases the blobs that moved back and forth, to the last
  // owner: the readers' go (3 and 7 were theirs alone), then blob 0.
  watch(p);
  EXPECT_EQ(p.ask("detach"), "detached");
  EXPECT_EQ(freed(p), 2);
  EXPECT_EQ(p.ask("evict 0"), "evicted");
  EXPECT_EQ(freed(p), 3);
  EXPECT_EQ(p.ask("audit"), "v1 blobs 17 held 17 refs ok data ok fds ok");
  std::string fewer = std::to_string(std::stol(descriptors) - 3);
  EXPECT_EQ(descriptors_as(p, fewer), fewer) << "each closed its descriptor";
}

TEST(SharedObjects, ARefusalAfterTheTableMovedLeavesTheOldBlobsWhole) {
  Process p(program("counted", "v1"));
  fill(p);
  const std::string descriptors = quiet_descriptors(p);
  watch(p);
  std::string refused = p.ask("apply " + patch("v1-v2.refusing"));
  EXPECT_REFUSED(refused, "the table refuses to move");
  EXPECT_EQ(p.ask("audit"), "v1 blobs 18 held 20 refs ok data ok fds ok");
  EXPECT_EQ(freed(p), 0) << "no old blob freed";
  EXPECT_EQ(descriptors_as(p, descriptors), descriptors) << "the abandoned new blobs closed nothing";
  EXPECT_APPLIED(p.ask("apply " + patch("v1-v2.edited")));
  EXPECT_EQ(p.ask("audit"), "v2 blobs 18 held 20 refs ok data ok fds ok lru ok");
}

TEST(SharedObjects, TheGeneratedFileForwardsThePointersAndTheUpdateSaysWhatToWrite) {
  // Unedited, the file only forwards the pointers: nobody migrates the blobs, the update is
  // refused with nothing changed, and the answer names the helper.
  Process p(program("counted", "v1"));
  fill(p);
  std::string refused = p.ask("apply " + patch("v1-v2"));
  EXPECT_REFUSED(refused, "hotswap::migrate_once");
  EXPECT_EQ(p.ask("audit"), "v1 blobs 18 held 20 refs ok data ok fds ok");
}
