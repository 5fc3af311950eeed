/* A C program built by a plain Makefile through `hotswap cc`: it includes
   <hotswap/hotswap.h> as C and answers one command per line:
     apply PATH | revert | work N | checksum N | served | reset | quit */
#include <hotswap/hotswap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vendor.h"
#include "work.h"

int main(void) {
  if (hotswap_start() != 0) {
    char why[512];
    hotswap_last_message(why, sizeof why);
    printf("error %s\n", why);
    return 1;
  }
  char line[4096], message[1024];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, "quit") == 0) break;
    if (strncmp(line, "apply ", 6) == 0) {
      int refused = hotswap_apply(line + 6, message, sizeof message);
      printf("%s %s\n", refused ? "refused" : "ok", message);
    } else if (strcmp(line, "revert") == 0) {
      int refused = hotswap_revert(message, sizeof message);
      printf("%s %s\n", refused ? "refused" : "ok", message);
    } else if (strncmp(line, "work ", 5) == 0) {
      printf("%d\n", work(atoi(line + 5), 0));
    } else if (strncmp(line, "checksum ", 9) == 0) {
      printf("%d\n", vendor_checksum(atoi(line + 9)));
    } else if (strcmp(line, "reset") == 0) {
      printf("reset %ld\n", reset());
    } else if (strcmp(line, "served") == 0) {
      printf("%ld\n", served());
    } else {
      printf("unknown %s\n", line);
    }
    fflush(stdout);
  }
  return 0;
}
