/* A C struct whose release 2 widens a member and adds a _Bool: moved live. */
struct stats {
  int hits;
};

struct stats g_stats = {0};

long hit(void) { return ++g_stats.hits; }
