// Release 6's transform file, with the inverse of the server's transformer refusing once it
// has done its work: by then every connection's socket has been taken over (hotswap::take)
// by the old-layout objects the revert was building. The refused revert must give each one
// back, and release 6 goes on serving on them.
#define HTTPD_OWN_SERVER_INVERSE
#include "r6_as_released.h"

bool hotswap_transform(const httpd::Server& from, hotswap_old::httpd::Server& to) {
  r6_as_released(from, to);
  return hotswap::refuse("this copy of release 6 refuses to be reverted once the server is moved back");
}
