/* Release 2: an item can be pinned, a connection counts its bytes; lookup's parameter is
   now spelled flags_t (the same type) and size_ok's is unsigned (passed alike). */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "net.h"

typedef uint32_t flags_t;

typedef struct item item;
struct item {
    int key;
    int value;
    bool pinned;
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
    long bytes;
};

int lookup(flags_t flags);
int size_ok(unsigned int flags);
