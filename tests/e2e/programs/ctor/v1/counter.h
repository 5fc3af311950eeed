struct Counter {
  Counter();
  int n;
};
