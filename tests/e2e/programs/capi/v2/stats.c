/* A C struct whose release 2 widens a member and adds a _Bool: moved live. */
struct stats {
  long hits;
  _Bool seen;
};

struct stats g_stats = {0, 0};

long hit(void) {
  g_stats.seen = 1;
  return ++g_stats.hits * (g_stats.seen ? 10 : 1);
}
