// Definitions that never change and that new code reaches: an indirect function (GNU
// ifunc: its resolver picks the code when the program loads), a table whose size new code
// takes, and a file-static that happens to share its name with the C library's environ.
static int dot_portable(int x) { return x * 3; }
extern "C" int (*resolve_dot())(int) { return dot_portable; }
int dot(int x) __attribute__((ifunc("resolve_dot")));

int g_table[37];

// A C file-static named environ (the asm label gives it the C library's unmangled name).
static int file_static_environ asm("environ") = 7;
int bump_static() { return ++file_static_environ; }
