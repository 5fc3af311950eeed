// Built without hotswap's flags: the baseline for the cost of a patchable entry.
__attribute__((noinline)) int plain_add(int x) { return x + 1; }
