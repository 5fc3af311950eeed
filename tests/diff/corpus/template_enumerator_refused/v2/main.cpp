#include <cstdio>
#include "box.h"
app::Box<app::Green> g_box;
app::Slot<app::Out::Y> g_slot;
__attribute__((noinline)) int touch(int n) { return g_box.value + g_slot.value + n; }
int main() { std::printf("%d\n", touch(3)); }
