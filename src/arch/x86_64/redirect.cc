#include "arch/x86_64/redirect.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "arch/x86_64/relocations.h"

namespace hotswap::x86_64 {
namespace {

constexpr unsigned char kNop = 0x90;
constexpr unsigned char kPadJump[2] = {0xff, 0x25};     // jmp *rel32(%rip)
constexpr unsigned char kEntryJump[2] = {0xeb, 0xf8};   // jmp -8 (to entry-6)

Status write_indirect_jump(unsigned char* at, const std::uint64_t* slot) {
  std::uint64_t next = reinterpret_cast<std::uint64_t>(at) + 6;
  std::uint64_t target = reinterpret_cast<std::uint64_t>(slot);
  if (!within_pc32(next, target)) return make_error("jump slot out of 32-bit reach");
  std::int32_t rel = static_cast<std::int32_t>(static_cast<std::int64_t>(target - next));
  std::memcpy(at, kPadJump, 2);
  std::memcpy(at + 2, &rel, 4);
  return Status::success();
}

}  // namespace

EntryState entry_state(const unsigned char* entry) {
  const unsigned char* pad = entry - kPadBefore;
  bool entry_nop = (entry[0] == kNop && entry[1] == kNop) || (entry[0] == 0x66 && entry[1] == kNop);
  bool entry_jump = entry[0] == kEntryJump[0] && entry[1] == kEntryJump[1];
  for (std::size_t i = 0; i < kPadBefore - 6; ++i)
    if (pad[i] != kNop) return EntryState::kNotPatchable;
  if (entry_jump && entry[-6] == kPadJump[0] && entry[-5] == kPadJump[1]) return EntryState::kRedirected;
  if (!entry_nop) return EntryState::kNotPatchable;
  // An entry that was redirected and reverted keeps its pad jump; that is still unpatched.
  bool pad_nops = true;
  for (std::size_t i = kPadBefore - 6; i < kPadBefore; ++i) pad_nops &= pad[i] == kNop;
  bool pad_jump = entry[-6] == kPadJump[0] && entry[-5] == kPadJump[1];
  return pad_nops || pad_jump ? EntryState::kUnpatched : EntryState::kNotPatchable;
}

std::uint16_t read_entry(const unsigned char* entry) {
  std::uint16_t v;
  std::memcpy(&v, entry, 2);
  return v;
}

Status write_pad_jump(unsigned char* entry, const std::uint64_t* slot) {
  unsigned char* pad = entry - 6;
  if (pad[0] != kPadJump[0] || pad[1] != kPadJump[1]) return write_indirect_jump(pad, slot);
  // A pad left from an earlier, reverted redirect: a thread stalled between the entry and
  // the pad across the revert may still be about to run it, so only its displacement
  // changes, with one store. entry-4 is at 16n+10: the 4 bytes share a cache line, which
  // makes the unaligned store atomic on x86-64 (Intel SDM vol. 3, 8.1.1).
  std::uint64_t next = reinterpret_cast<std::uint64_t>(entry);
  std::uint64_t target = reinterpret_cast<std::uint64_t>(slot);
  if (!within_pc32(next, target)) return make_error("jump slot out of 32-bit reach");
  auto rel = static_cast<std::uint32_t>(static_cast<std::int64_t>(target - next));
  asm volatile("movl %1, %0" : "=m"(*reinterpret_cast<std::uint32_t*>(entry - 4)) : "r"(rel) : "memory");
  return Status::success();
}

void write_entry_jump(unsigned char* entry) {
  std::uint16_t v;
  std::memcpy(&v, kEntryJump, 2);
  restore_entry(entry, v);
}

void restore_entry(unsigned char* entry, std::uint16_t value) {
  // Entries sit at 16n+14 (a 16-byte aligned section, 14 pad bytes): the store is aligned
  // and inside one cache line, so x86 performs it as one access.
  __atomic_store_n(reinterpret_cast<std::uint16_t*>(entry), value, __ATOMIC_RELEASE);
}

void store_slot(std::uint64_t* slot, std::uint64_t target) { __atomic_store_n(slot, target, __ATOMIC_RELEASE); }

Status write_plt_stub(unsigned char* stub, const std::uint64_t* slot) {
  HOTSWAP_TRY(write_indirect_jump(stub, slot));
  stub[6] = 0x66;  // two-byte NOP filler up to the 8-byte stub size
  stub[7] = kNop;
  return Status::success();
}

namespace {
bool register_sync_core() {
  static const bool registered =
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
  return registered;
}
}  // namespace

void prepare_sync_cores() { register_sync_core(); }

void sync_cores() {
  if (!register_sync_core() || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) != 0) {
    // Without the syscall (old kernel): a full fence still orders our stores; x86 keeps
    // instruction fetch coherent with stores for the aligned single-store updates we make.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

}  // namespace hotswap::x86_64
