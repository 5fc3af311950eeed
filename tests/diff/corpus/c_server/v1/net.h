/* Not self-contained, as C headers often are: it expects server.h to have included the
   system's network headers first. */
typedef struct {
    struct sockaddr_in6 addr;
    int port;
} endpoint;
