// GCC specializes scale for k == 3 (scale.constprop.0); api1 and api2 call the clone. When
// scale changes, the callers' source does not, but their behaviour does: they must be
// patched, and the clone carried with them.
__attribute__((noinline)) static int scale(int x, int k) {
  for (int i = 0; i < k; ++i) x = x * 7 + i;
  return x;
}

int api1(int x) { return scale(x, 3); }
int api2(int x) { return scale(x + 1, 3) + 1; }
