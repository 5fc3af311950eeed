// The bank's transform file without an inverse: the patch made with it cannot be reverted.
#define hotswap_inverse_Bank hotswap_inverse_Bank_left_out
#include "transform.cpp"
