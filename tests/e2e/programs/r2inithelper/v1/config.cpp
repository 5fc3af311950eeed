// A helper only a static initializer calls (GCC puts it in .text.startup) changes, in a
// release that also adds a global: the patch carries it with the initializer and never
// redirects it; the running program's copy is the old release's to call.
__attribute__((noinline)) static int compute_default() { return 10; }
int g_default = compute_default();
int get() { return g_default; }
