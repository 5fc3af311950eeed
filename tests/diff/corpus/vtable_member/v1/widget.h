#pragma once
namespace app {
// Widget's key function (its first non-inline virtual) is in widget.cpp, so the units that
// only use a Widget describe it as a declaration, without size or members.
struct Widget {
  virtual ~Widget();
  virtual int draw() const;
  int id = 0;
};
}  // namespace app
