#include <stdio.h>

#include "server.h"

/* Declared in the .c file: the transform file writes these itself. */
enum queue_mode { queue_new_conn, queue_pause };
struct queue_entry {
    enum queue_mode mode;
    conn *c;
};

static struct queue_entry queue[4];
static item items[2] = {{1, 10}, {2, 20}};
conn g_conn;

static void closed(conn *c) { c->active = false; }

__attribute__((noinline)) int lookup(unsigned int flags) { return items[flags & 1].value + g_conn.fd; }
__attribute__((noinline)) int size_ok(int flags) { return flags < 100; }

__attribute__((noinline)) int serve(void) {
    conn *c = queue[0].c;
    return c->item->value + c->hooks[0].count + (int)c->state;
}

int main(void) {
    g_conn.fd = 3;
    g_conn.item = &items[0];
    g_conn.cb = closed;
    g_conn.hooks[0].on_close = closed;
    g_conn.hooks[0].count = 1;
    queue[0].mode = queue_new_conn;
    queue[0].c = &g_conn;
    printf("%d %d %d\n", serve(), lookup(1), size_ok(5));
    return 0;
}
