struct B {
  virtual ~B();
  int b = 1;
};
struct M : virtual B {
  virtual int f();
};
struct D : M {
  int f() override;
  virtual int g();
};
int answer();
