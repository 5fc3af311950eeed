#include "shapes.h"
B::~B() {}
int M::f() { return 1; }
int D::f() { return 2; }
int D::g() { return f() + b; }
int answer() { return 42; }
