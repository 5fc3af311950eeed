extern const char* g_label;
extern int (*g_hook)(int);

static int added(int x) { return x + 100; }  // only the patch has it

void set() {
  g_label = "label set by v2";  // a literal in the patch's constants
  g_hook = &added;
}
