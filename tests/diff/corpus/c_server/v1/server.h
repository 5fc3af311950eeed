/* A C server's types, as a C cache server writes them: structs known by their typedef, a
   member named like its type, a callback type taking a changed struct, an array of an
   anonymous struct, and a header (net.h) that needs this one's includes first. */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "net.h"

typedef uint32_t flags_t;

typedef struct item item;
struct item {
    int key;
    int value;
};

typedef struct conn conn;
typedef void (*conn_cb)(conn *c);

typedef struct {
    conn_cb on_close;
    int count;
} cb_entry;

enum conn_state { conn_new, conn_read, conn_closing };

struct conn {
    int fd;
    item *item;
    conn_cb cb;
    cb_entry hooks[3];
    endpoint where;
    bool active;
    enum conn_state state;
};

int lookup(unsigned int flags);
int size_ok(int flags);
