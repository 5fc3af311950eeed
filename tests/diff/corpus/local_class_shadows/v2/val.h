#pragma once
struct Val {
  int v = 0; long extra = 0;
};
