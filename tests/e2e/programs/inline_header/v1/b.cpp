#include "scale.h"
int scale_b(int x) { return scale(x) + 2; }
