// A bound datum holding a pointer to another bound datum. A patch that brings new data
// initializes it from that pointer: the new data must point at the running g_count, not at
// the shadow copy the patch's initializers see in its place.
int g_count = 0;
int* g_count_ptr = &g_count;
int bump() { return ++*g_count_ptr; }
int count() { return g_count; }
