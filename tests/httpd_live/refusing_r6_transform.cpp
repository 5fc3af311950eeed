// Release 6's transform file, with the server's transformer refusing once it has done its
// work: every worker and connection has then been built anew, holding copies of the
// sockets the running ones still serve on. The refused update must leave them serving.
#define HTTPD_OWN_SERVER_FORWARD
#include "r6_as_released.h"

bool hotswap_transform(const hotswap_old::httpd::Server& from, httpd::Server& to) {
  r6_as_released(from, to);
  return hotswap::refuse("this copy of release 6 refuses once the server is moved");
}
