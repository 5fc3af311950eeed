const char* g_names[3] = {"alpha", "beta", "gamma"};
long g_counts[3] = {0, 0, 0};

const char* name(unsigned i) { return i < 3 ? g_names[i] : "none"; }
long count(unsigned i) { return i < 3 ? ++g_counts[i] : -1; }
