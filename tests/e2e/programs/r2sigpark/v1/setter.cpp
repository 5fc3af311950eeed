struct Holder {
  const char* label;
};
extern Holder* g_low;
extern Holder* g_high;
void set() {
  if (g_low->label) g_low->label = "label set by v1"; else g_high->label = "label set by v1";
}
