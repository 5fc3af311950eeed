#include <cstdio>
#include "holder.h"
app::Holder g_holder;
int main() { std::printf("%d\n", app::paint(g_holder)); }
