#pragma once
#include "widget.h"
namespace app {
// Defined in both units: with Widget complete in widget.cpp, only declared in main.cpp.
struct Holder {
  Widget widget;
  int count = 0;
  long painted = 0;
};
int paint(Holder& holder);
}  // namespace app
