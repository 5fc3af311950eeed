extern const char* g_label;

void set() { g_label = "label set by v1"; }
