#ifndef COUNTER_VENDOR_H
#define COUNTER_VENDOR_H
int vendor_checksum(int n);
#endif
