#include <unwind.h>

#include "arch/x86_64/registers.h"

namespace hotswap::x86_64 {
namespace {

// DWARF numbers of rbx, rbp, r12, r13, r14, r15 (System V x86-64 psABI, figure 3.36), in
// the order capture_callee_saved stores them.
constexpr int kCalleeSavedDwarf[kCalleeSavedCount] = {3, 6, 12, 13, 14, 15};

}  // namespace

[[gnu::noinline]] bool caller_registers(std::uint64_t (&out)[kCalleeSavedCount], std::uint64_t& return_slot) {
  struct Walk {
    std::uint64_t* out;
    std::uint64_t slot = 0;
    int frame = 0;  // 0: this function, 1: the one that called it, 2: that one's caller
    bool done = false;
  } walk{out};
  _Unwind_Backtrace(
      [](_Unwind_Context* context, void* arg) -> _Unwind_Reason_Code {
        auto* w = static_cast<Walk*>(arg);
        if (w->frame == 1) w->slot = _Unwind_GetCFA(context) - 8;  // its return address
        if (w->frame == 2) {
          for (int i = 0; i < kCalleeSavedCount; ++i) w->out[i] = _Unwind_GetGR(context, kCalleeSavedDwarf[i]);
          w->done = true;
          return _URC_END_OF_STACK;
        }
        ++w->frame;
        return _URC_NO_REASON;
      },
      &walk);
  return_slot = walk.slot;
  return walk.done && walk.slot != 0;
}

}  // namespace hotswap::x86_64
