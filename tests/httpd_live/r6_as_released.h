// Release 6's transform file with its overloads renamed r6_as_released, each forwarded
// again as hotswap_transform, but for the one the including file writes itself: the
// server's forward transformer with HTTPD_OWN_SERVER_FORWARD defined, its inverse with
// HTTPD_OWN_SERVER_INVERSE. For test copies of the release that refuse at one step.
#pragma once

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
#ifndef HTTPD_OWN_SERVER_FORWARD
HTTPD_FORWARD(hotswap_old::httpd::Server, httpd::Server)
#endif
#ifndef HTTPD_OWN_SERVER_INVERSE
HTTPD_FORWARD(httpd::Server, hotswap_old::httpd::Server)
#endif
HTTPD_FORWARD(hotswap_old::httpd::Worker, httpd::Worker)
HTTPD_FORWARD(httpd::Worker, hotswap_old::httpd::Worker)
#undef HTTPD_FORWARD
