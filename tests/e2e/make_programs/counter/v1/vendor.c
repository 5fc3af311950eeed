/* A vendored unit, built with the plain compiler (VENDOR_CC) as a dependency's code often is:
   its functions have no patchable entry, so a change to them cannot be applied live. */
#include "vendor.h"

int vendor_checksum(int n) { return (n * 31) % 1000; }
