struct Holder {
  const char* label;
};
extern Holder* g_holder;
void set() { g_holder->label = "label set by v2, a literal only the patch has"; }
