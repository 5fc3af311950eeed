void note_init();

// New data whose initializer has a side effect outside the patch: it must happen once
// when the patch commits, and never for a patch that is refused.
static int s_registered = (note_init(), 1);

int work(int x) { return x + 1 + s_registered; }
