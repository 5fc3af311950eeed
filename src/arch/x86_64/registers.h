// The registers a caller keeps across a call (x86-64 System V ABI: rbx, rbp, r12-r15) and
// the stack pointer, read where they are needed: so that the runtime can see the pointers
// a program holds only in registers when it calls into the runtime (thread_sampler.h).
#pragma once

#include <cstdint>

namespace hotswap::x86_64 {

inline constexpr int kCalleeSavedCount = 6;

// Stores rbx, rbp, r12, r13, r14 and r15 as they are at this point of the caller.
// Always inlined: a call would be free to change them first.
__attribute__((always_inline)) inline void capture_callee_saved(std::uint64_t (&out)[kCalleeSavedCount]) {
  asm volatile(
      "mov %%rbx, 0(%0)\n\t"
      "mov %%rbp, 8(%0)\n\t"
      "mov %%r12, 16(%0)\n\t"
      "mov %%r13, 24(%0)\n\t"
      "mov %%r14, 32(%0)\n\t"
      "mov %%r15, 40(%0)"
      :
      : "r"(out)
      : "memory");
}

// The callee-saved registers as the caller of the function that calls this had them when
// it made that call (restored by unwinding, from where that function's prologue saved
// them), and the address of that call's return address: where the caller's part of the
// stack begins. False if unwinding cannot tell (no unwind tables).
bool caller_registers(std::uint64_t (&out)[kCalleeSavedCount], std::uint64_t& return_slot);

__attribute__((always_inline)) inline std::uint64_t stack_pointer() {
  std::uint64_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  return sp;
}

}  // namespace hotswap::x86_64
