#include <cstdio>
__attribute__((noinline)) void greet() { std::puts("hello, there"); std::puts("a shared literal that is long enough"); }
__attribute__((noinline)) void farewell() { std::puts("goodbye"); std::puts("a shared literal that is long enough"); }
int main() { greet(); farewell(); }
