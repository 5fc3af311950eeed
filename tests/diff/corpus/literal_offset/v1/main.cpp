// Literals the code reaches at an address other than their start. Only their contents
// change in v2, always before the byte the relocation names, so each function below is
// changed although its code is the same.
#include <cstdio>
#include <cstring>
#include <string_view>

// Written back to front: GCC takes the literal's last byte (.LC0+8 is its +12) and walks
// down to -12 from there.
__attribute__((noinline)) int reversed_version(char* out) {
  const char* s = "1.2.3-release";
  int n = 13;
  for (int i = 0; i < n; ++i) out[i] = s[n - 1 - i];
  return n;
}

// Iterated in reverse through a string_view: GCC names the last byte (.LC+13).
__attribute__((noinline)) unsigned version_hash() {
  std::string_view v("cpp-httplib/0.14.3");
  unsigned h = 0;
  for (auto it = v.rbegin(); it != v.rend(); ++it) h = h * 31 + static_cast<unsigned char>(*it);
  return h;
}

// s[i - 1] for i from n down to 1: GCC's address is one before the literal (.LC-5).
__attribute__((noinline)) int checksum(int n) {
  const char* s = "abcdefghijklmnop";
  int r = 0;
  for (int i = n; i > 0; --i) r = r * 7 + s[i - 1];
  return r;
}

// A pointer into the middle of a literal (.LC+4, .L.str+4): its caller reads before it.
__attribute__((noinline)) const char* version_number() { return &"hotswap/1.2.3"[8]; }
__attribute__((noinline)) void print_product() {
  // Called through a pointer Clang cannot see through: it would propagate the constant.
  const char* (*volatile get_version)() = version_number;
  const char* version = get_version();
  std::printf("%.*s %s\n", 7, version - 8, version);
}

// A switch over literals: Clang's relative lookup table reaches the first case's literal
// through the section symbol, without the -4 of an instruction's field.
__attribute__((noinline)) const char* day_name(int day) {
  switch (day) {
    case 0: return "sunday, the first day";
    case 1: return "monday, the second day";
    case 2: return "tuesday, the third day";
    case 3: return "wednesday, the fourth day";
    case 4: return "thursday, the fifth day";
    case 5: return "friday, the sixth day";
    default: return "saturday, the last day";
  }
}

int main(int argc, char**) {
  char buffer[32] = {};
  reversed_version(buffer);
  std::printf("%s %u %d %s\n", buffer, version_hash(), checksum(argc + 10), day_name(argc - 1));
  print_product();
}
