// Release 6's transform file, with the inverse of the server's transformer refusing once it
// has done its work: by then every connection's socket has been taken over (hotswap::take)
// by the old-layout objects the revert was building. The refused revert must give each one
// back, and release 6 goes on serving on them.
#define hotswap_transform r6_as_released
#include "../../apps/httpd/releases/r6-keepalive-requests.transform.cpp"
#undef hotswap_transform

#define HTTPD_FORWARD(From, To) \
  bool hotswap_transform(const From& from, To& to) { return r6_as_released(from, to); }
HTTPD_FORWARD(hotswap_old::httpd::Connection, httpd::Connection)
HTTPD_FORWARD(httpd::Connection, hotswap_old::httpd::Connection)
HTTPD_FORWARD(hotswap_old::httpd::ConnectionContext, httpd::ConnectionContext)
HTTPD_FORWARD(httpd::ConnectionContext, hotswap_old::httpd::ConnectionContext)
HTTPD_FORWARD(hotswap_old::httpd::Options, httpd::Options)
HTTPD_FORWARD(httpd::Options, hotswap_old::httpd::Options)
HTTPD_FORWARD(hotswap_old::httpd::Server, httpd::Server)
HTTPD_FORWARD(hotswap_old::httpd::Worker, httpd::Worker)
HTTPD_FORWARD(httpd::Worker, hotswap_old::httpd::Worker)
#undef HTTPD_FORWARD

bool hotswap_transform(const httpd::Server& from, hotswap_old::httpd::Server& to) {
  r6_as_released(from, to);
  return hotswap::refuse("this copy of release 6 refuses to be reverted once the server is moved back");
}
