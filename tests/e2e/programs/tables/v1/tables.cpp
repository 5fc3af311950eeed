const char* g_names[2] = {"alpha", "beta"};
int g_counts[2] = {0, 0};

const char* name(unsigned i) { return i < 2 ? g_names[i] : "none"; }
long count(unsigned i) { return i < 2 ? ++g_counts[i] : -1; }
