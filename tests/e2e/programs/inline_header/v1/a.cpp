#include "scale.h"
int scale_a(int x) { return scale(x) + 1; }
