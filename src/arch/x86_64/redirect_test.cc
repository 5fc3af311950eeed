// Redirects real machine code: a fake patchable function in an executable page is sent
// to another, retargeted, and restored, exactly as commit and revert do it.
#include "arch/x86_64/redirect.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

namespace hotswap::x86_64 {
namespace {

class RedirectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    page_ = static_cast<unsigned char*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(page_, MAP_FAILED);
    std::memset(page_, 0xcc, 4096);
    old_entry_ = make_function(page_ + 0, 1, /*clang_nop=*/false);
    new_entry_ = make_function(page_ + 64, 2, false);
    newer_entry_ = make_function(page_ + 128, 3, true);
    slot_ = reinterpret_cast<std::uint64_t*>(page_ + 2048);
  }
  void TearDown() override { munmap(page_, 4096); }

  // 14 NOPs, a 2-byte entry NOP (GCC's 90 90 or Clang's 66 90), then `mov $value, %eax; ret`.
  static unsigned char* make_function(unsigned char* at, int value, bool clang_nop) {
    std::memset(at, 0x90, kPadBefore);
    unsigned char* entry = at + kPadBefore;
    entry[0] = clang_nop ? 0x66 : 0x90;
    entry[1] = 0x90;
    entry[2] = 0xb8;
    std::memcpy(entry + 3, &value, 4);
    entry[7] = 0xc3;
    return entry;
  }
  static int call(unsigned char* entry) { return reinterpret_cast<int (*)()>(entry)(); }

  unsigned char* page_ = nullptr;
  unsigned char* old_entry_ = nullptr;
  unsigned char* new_entry_ = nullptr;
  unsigned char* newer_entry_ = nullptr;
  std::uint64_t* slot_ = nullptr;
};

TEST_F(RedirectTest, FreshEntriesAreUnpatched) {
  EXPECT_EQ(entry_state(old_entry_), EntryState::kUnpatched);
  EXPECT_EQ(entry_state(newer_entry_), EntryState::kUnpatched);
  EXPECT_EQ(call(old_entry_), 1);
}

TEST_F(RedirectTest, RedirectRetargetAndRestore) {
  std::uint16_t original = read_entry(old_entry_);
  store_slot(slot_, reinterpret_cast<std::uint64_t>(new_entry_));
  ASSERT_TRUE(write_pad_jump(old_entry_, slot_));
  EXPECT_EQ(call(old_entry_), 1) << "the pad alone changes nothing";
  write_entry_jump(old_entry_);
  EXPECT_EQ(entry_state(old_entry_), EntryState::kRedirected);
  EXPECT_EQ(call(old_entry_), 2);
  store_slot(slot_, reinterpret_cast<std::uint64_t>(newer_entry_));
  EXPECT_EQ(call(old_entry_), 3);
  restore_entry(old_entry_, original);
  EXPECT_EQ(call(old_entry_), 1);
  EXPECT_EQ(entry_state(old_entry_), EntryState::kUnpatched) << "a reverted entry can be redirected again";
}

TEST_F(RedirectTest, RedirectAgainAfterRestoreChangesOnlyThePadsDisplacement) {
  // A thread may still be in the old pad after a revert: a new redirect must not rewrite
  // its opcode bytes, only the displacement, in one store.
  std::uint16_t original = read_entry(old_entry_);
  store_slot(slot_, reinterpret_cast<std::uint64_t>(new_entry_));
  ASSERT_TRUE(write_pad_jump(old_entry_, slot_));
  write_entry_jump(old_entry_);
  restore_entry(old_entry_, original);
  std::uint64_t* other_slot = slot_ + 1;
  store_slot(other_slot, reinterpret_cast<std::uint64_t>(newer_entry_));
  ASSERT_TRUE(write_pad_jump(old_entry_, other_slot));
  EXPECT_EQ(old_entry_[-6], 0xff);
  EXPECT_EQ(old_entry_[-5], 0x25);
  EXPECT_EQ(call(old_entry_), 1) << "the pad alone changes nothing";
  write_entry_jump(old_entry_);
  EXPECT_EQ(call(old_entry_), 3);
}

TEST_F(RedirectTest, ThreadResumingAfterFirstGccNopRunsOldBody) {
  // A thread preempted between GCC's two entry NOPs resumes at entry+1 after the store:
  // it must decode the displacement byte as a harmless instruction and run the old body.
  store_slot(slot_, reinterpret_cast<std::uint64_t>(new_entry_));
  ASSERT_TRUE(write_pad_jump(old_entry_, slot_));
  write_entry_jump(old_entry_);
  EXPECT_EQ(call(old_entry_ + 1), 1);
}

TEST_F(RedirectTest, CodeThatIsNotPatchableIsRecognized) {
  unsigned char plain[32] = {0x55, 0x48, 0x89, 0xe5};  // push %rbp; mov %rsp,%rbp
  std::memset(plain, 0x55, 16);
  EXPECT_EQ(entry_state(plain + kPadBefore), EntryState::kNotPatchable);
}

TEST_F(RedirectTest, PltStubJumpsThroughItsSlot) {
  unsigned char* stub = page_ + 256;
  store_slot(slot_, reinterpret_cast<std::uint64_t>(new_entry_));
  ASSERT_TRUE(write_plt_stub(stub, slot_));
  EXPECT_EQ(call(stub), 2);
}

TEST_F(RedirectTest, SlotOutOfReachIsRefused) {
  auto* far = reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::uint64_t>(page_) + (1ULL << 33));
  EXPECT_FALSE(write_pad_jump(old_entry_, far));
  EXPECT_EQ(call(old_entry_), 1);
}

}  // namespace
}  // namespace hotswap::x86_64
