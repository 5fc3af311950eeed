#include <cstdint>
#include <string>

int dot(int x);

// R_X86_64_SIZE32 against a symbol the patch does not define.
asm(".pushsection .rodata.table_size,\"a\"\n"
    ".p2align 2\n"
    "table_size_word: .long g_table@SIZE\n"
    ".popsection");
extern "C" const unsigned table_size_word;

alignas(8192) static char s_page[64];  // new data aligned above a page

std::string probe() {
  char* volatile page = s_page;
  bool aligned = reinterpret_cast<std::uintptr_t>(page) % 8192 == 0;
  // The C library's environ through the GOT (Clang's code for extern data; GCC's PIE code
  // would assume a copy in the executable, which only the running program could have made).
  char*** where;
  asm("movq environ@GOTPCREL(%%rip), %0" : "=r"(where));
  bool has_environ = *where != nullptr && (*where)[0] != nullptr;
  return std::to_string(table_size_word) + " " + std::to_string(dot(2)) + " " + std::to_string(has_environ) + " " +
         std::to_string(aligned);
}
