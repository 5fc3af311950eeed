// The entries of an idle scope (hotswap::idle_scope's constructor, C's hotswap_idle_enter),
// written in assembly: they store the program's callee-saved registers (rbx, rbp, r12-r15)
// before anything can change them, then enter the scope in C++ with their address
// (hotswap_idle_enter_registers, runtime/api.cc). A compiled function would set up its
// frame, and may reuse those registers, before its first statement runs; and once the
// entry returns, what the program keeps in registers while it blocks is the kernel's. The
// runtime scans these values with the thread's stack (docs/type-updates.md, "Checks").
asm(R"(
  .text
  .p2align 4
  .globl _ZN7hotswap10idle_scopeC2Ev
  .type _ZN7hotswap10idle_scopeC2Ev, @function
  .globl _ZN7hotswap10idle_scopeC1Ev
  .type _ZN7hotswap10idle_scopeC1Ev, @function
  .globl hotswap_idle_enter
  .type hotswap_idle_enter, @function
_ZN7hotswap10idle_scopeC2Ev:
_ZN7hotswap10idle_scopeC1Ev:
hotswap_idle_enter:
  .cfi_startproc
  endbr64
  subq $56, %rsp
  .cfi_def_cfa_offset 64
  movq %rbx, 0(%rsp)
  movq %rbp, 8(%rsp)
  movq %r12, 16(%rsp)
  movq %r13, 24(%rsp)
  movq %r14, 32(%rsp)
  movq %r15, 40(%rsp)
  movq %rsp, %rdi
  call hotswap_idle_enter_registers@PLT
  addq $56, %rsp
  .cfi_def_cfa_offset 8
  ret
  .cfi_endproc
  .size hotswap_idle_enter, .-hotswap_idle_enter
  .size _ZN7hotswap10idle_scopeC1Ev, .-_ZN7hotswap10idle_scopeC1Ev
  .size _ZN7hotswap10idle_scopeC2Ev, .-_ZN7hotswap10idle_scopeC2Ev
)");
