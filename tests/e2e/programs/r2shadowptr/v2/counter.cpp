int g_count = 0;
int* g_count_ptr = &g_count;
int* g_alias = g_count_ptr;  // new data, dynamically initialized from a bound pointer
int bump() { return ++*g_alias; }
int count() { return g_count; }
