// A hierarchy with virtual functions in which every class changes: each old layout is a
// plain struct, the base's holding the vtable pointer, written before the derived class.
#pragma once
struct Base {
  virtual ~Base() = default;
  virtual long size() const { return id; }
  int id = 1;
};
struct Rect : Base {
  long size() const override { return w; }
  long w = 2;
};
