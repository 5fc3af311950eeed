#pragma once
namespace app {
template <class F>
struct Holder {
  F call;
  int count = 0;
};
}  // namespace app
