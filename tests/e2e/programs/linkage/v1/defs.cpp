// Definitions other translation units reach through the GOT or initial-exec TLS.
thread_local int tl_counter = 0;
int tls_bump() { return ++tl_counter; }
int ext_fn(int x) { return x * 2; }
int ext_data = 5;
void* g_saved_ext_fn = nullptr;
void* g_saved_puts = nullptr;
