#include <cstdio>
#include "shared.h"
int main(int argc, char**) { std::printf("%d\n", shared_value(argc) + other(argc)); }
