#include "counter.h"
Counter::Counter() : n(1) {}
