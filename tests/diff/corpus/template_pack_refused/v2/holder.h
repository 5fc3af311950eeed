#pragma once
namespace app {
template <class F>
struct Holder {
  F call;
  int count = 0;
  long calls = 0;  // new
};
}  // namespace app
