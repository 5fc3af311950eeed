// Literals reached at an address other than their start do not change, but one literal
// before them grows in v2 and moves them: only the function using that one is changed.
#include <cstdio>
#include <cstring>
#include <string_view>

__attribute__((noinline)) void banner() { std::puts("hotswap demo"); }

// Written back to front from the literal's last byte (GCC: .LC+8, then -12).
__attribute__((noinline)) int reversed_version(char* out) {
  const char* s = "1.2.3-release";
  int n = 13;
  for (int i = 0; i < n; ++i) out[i] = s[n - 1 - i];
  return n;
}

// s[i - 1] for i from n down to 1: one before the literal (GCC: .LC-5).
__attribute__((noinline)) int checksum(int n) {
  const char* s = "abcdefghijklmnop";
  int r = 0;
  for (int i = n; i > 0; --i) r = r * 7 + s[i - 1];
  return r;
}

// A pointer into the middle of a literal.
__attribute__((noinline)) const char* version_number() { return &"hotswap/1.2.3"[8]; }

// A switch over literals (Clang: a relative lookup table).
__attribute__((noinline)) const char* day_name(int day) {
  switch (day) {
    case 0: return "sun";
    case 1: return "mon";
    case 2: return "tue";
    case 3: return "wed";
    case 4: return "thu";
    case 5: return "fri";
    default: return "sat";
  }
}

// A table walked down from one past its end.
static const int kWeights[8] = {3, 1, 4, 1, 5, 9, 2, 6};
__attribute__((noinline)) int weigh(const int* values, int n) {
  int r = 0;
  for (int i = n; i > 0; --i) r += values[i - 1] * kWeights[i - 1];
  return r;
}

int main(int argc, char**) {
  char buffer[32] = {};
  int values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  banner();
  reversed_version(buffer);
  std::printf("%s %d %s %s %d\n", buffer, checksum(argc + 10), version_number(),
              day_name(argc - 1), weigh(values, argc + 6));
}
