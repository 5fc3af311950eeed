// The bank's transform file without the inverse: the patch made with it cannot be reverted.
#define hotswap_transform bank_transform_as_edited
#include "transform.cpp"
#undef hotswap_transform

bool hotswap_transform(const hotswap_old::Bank& from, Bank& to) { return bank_transform_as_edited(from, to); }
