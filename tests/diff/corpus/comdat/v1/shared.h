#pragma once
__attribute__((noinline)) inline int shared_value(int x) { return x * 11; }
int other(int x);
