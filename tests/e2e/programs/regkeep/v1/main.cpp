// The thread that calls hotswap::revert() holds, in a callee-saved register, a pointer into
// the patch it reverts. The register is forced (r13) so that the test does not depend on
// the compiler's choice; GCC picks one by itself for ordinary code.
#include <hotswap/hotswap.h>

#include <string>

const char* message();

std::string handle(const std::string& command) {
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
