// The thread that calls hotswap::revert() holds, in a callee-saved register, a pointer into
// the patch it reverts. The register is forced (r13) so that the test does not depend on
// the compiler's choice; GCC picks one by itself for ordinary code.
#include <hotswap/hotswap.h>

#include <string>

const char* message();

// The same across the C API's revert, holding the pointer in one register at a time: the
// API function may save a register in its prologue and reuse it for its arguments before
// the runtime reads the program's registers.
#define HOLD_ACROSS_C_REVERT(reg)                                                      \
  if (command.rfind("c-hold-" #reg " ", 0) == 0) {                                     \
    if (!hotswap::apply(command.substr(sizeof("c-hold-" #reg)))) return "not applied"; \
    register const char* m asm(#reg) = message();                                      \
    asm volatile("" : "+r"(m));                                                        \
    char answer[256];                                                                  \
    int reverted = hotswap_revert(answer, sizeof answer);                              \
    asm volatile("" : "+r"(m));                                                        \
    return (reverted == 0 ? "reverted, " : "not reverted, ") + std::string(m);         \
  }

std::string handle(const std::string& command) {
  HOLD_ACROSS_C_REVERT(rbx)
  HOLD_ACROSS_C_REVERT(r12)
  HOLD_ACROSS_C_REVERT(r13)
  HOLD_ACROSS_C_REVERT(r14)
  HOLD_ACROSS_C_REVERT(r15)
  if (command.rfind("hold ", 0) == 0) {
    if (!hotswap::apply(command.substr(5))) return "not applied";
    register const char* m asm("r13") = message();  // v2: a literal only the patch has
    asm volatile("" : "+r"(m));
    hotswap::Result r = hotswap::revert();
    asm volatile("" : "+r"(m));
    return (r ? "reverted, " : "not reverted, ") + std::string(m);
  }
  return "unknown " + command;
}
