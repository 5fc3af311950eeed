#pragma once
// A changed class in an anonymous namespace, which no transform file can name, held by a
// class through a typedef that can be spelled: the old layout must not spell it by the
// typedef, which names the new class.
namespace {
struct Impl {
  int c = 3;  // moved first: the same size, another layout
  int a = 1;
};
}  // namespace
typedef Impl ImplAlias;
struct Holder {
  ImplAlias impl;
  int count = 0;
};
