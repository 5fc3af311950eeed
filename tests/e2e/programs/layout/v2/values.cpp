// Release 2 changes only grow() and adds data, so read_value()'s PC-relative displacements
// differ between the release 1 and release 2 binaries; release 3 then changes read_value,
// whose running code is still release 1's. The patch must still recognize it.
int g_padding[256] = {1};
int g_value = 5;

int read_value() { return g_value + 1; }

int grow(int x) {
  int sum = 0;
  for (int i = 0; i < x; ++i) sum += g_padding[i % 256] * i;
  return x * 3 + sum;
}
