#include <cstdio>
__attribute__((noinline)) int classify(int c) {
  switch (c) {
    case 0: return std::puts("zero");
    case 1: return std::puts("one");
    case 2: return std::puts("two");
    case 3: return std::puts("three");
    case 4: return std::puts("four");
    case 5: return 50;
    default: return -1;
  }
}
__attribute__((noinline)) int steady(int c) {
  switch (c) {
    case 0: return std::puts("red");
    case 1: return std::puts("green");
    case 2: return std::puts("blue");
    case 3: return std::puts("cyan");
    case 4: return std::puts("magenta");
    default: return 0;
  }
}
int main(int argc, char**) { return classify(argc) + steady(argc); }
