struct Holder {
  const char* label;
};
extern Holder* g_low;
extern Holder* g_high;
void set() {
  const char* l = "label set by v2, a literal only the patch has";
  if (g_low->label) g_low->label = l; else g_high->label = l;
}
