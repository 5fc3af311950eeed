extern int g_inits;

// Throws an int (not a std::exception) whenever it runs as an initializer here: g_inits is
// never negative, but the compiler cannot know that.
static int fail_to_initialize(int x) {
  if (x >= 0) throw 42;
  return x;
}

static int s_never = fail_to_initialize(g_inits);  // new data whose initializer throws

int work(int x) { return x + 3 + s_never; }
