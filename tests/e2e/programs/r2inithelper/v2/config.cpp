__attribute__((noinline)) static int compute_default() { return 20; }
int g_default = compute_default();
int g_calls = 0;  // new data
int get() { return g_default + 0 * ++g_calls + 1; }
