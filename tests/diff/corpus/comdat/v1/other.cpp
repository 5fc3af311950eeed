#include "shared.h"
int other(int x) { return shared_value(x) + 1; }
