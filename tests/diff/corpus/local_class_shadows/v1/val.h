#pragma once
struct Val {
  int v = 0;
};
