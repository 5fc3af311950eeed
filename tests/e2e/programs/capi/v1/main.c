/* A C program: it includes <hotswap/hotswap.h> as C, calls the C API, and links the runtime
   without naming the C++ library. Its own driver speaks the harness's line protocol. */
#include <hotswap/hotswap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int work(int x);
long hit(void);

int main(void) {
  if (hotswap_start() != 0) {
    char why[512];
    hotswap_last_message(why, sizeof why);
    printf("error %s\n", why);
    return 1;
  }
  char line[4096], message[1024], version[128];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, "quit") == 0) break;
    if (strncmp(line, "apply ", 6) == 0) {
      int refused = hotswap_apply(line + 6, message, sizeof message);
      printf("%s %s\n", refused ? "refused" : "ok", message);
    } else if (strcmp(line, "revert") == 0) {
      int refused = hotswap_revert(message, sizeof message);
      printf("%s %s\n", refused ? "refused" : "ok", message);
    } else if (strcmp(line, "version") == 0) {
      size_t length = hotswap_current_version(version, sizeof version);
      printf("%s %zu\n", version, length);
    } else if (strcmp(line, "pid") == 0) {
      printf("%d\n", (int)getpid());
    } else if (strcmp(line, "work") == 0) {
      printf("%d\n", work(1));
    } else if (strcmp(line, "hit") == 0) {
      hotswap_update_point();
      printf("%ld\n", hit());
    } else if (strcmp(line, "truncated") == 0) {  /* a 4-byte buffer: 3 characters and NUL */
      char small[4];
      size_t length = hotswap_current_version(small, sizeof small);
      printf("%s %zu\n", small, length);
    } else {
      printf("unknown %s\n", line);
    }
    fflush(stdout);
  }
  return 0;
}
