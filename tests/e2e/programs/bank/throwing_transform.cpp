// The bank's transform file with a forward transformer that always throws what is not a
// std::exception (after doing its work).
#define hotswap_transform bank_transform_as_edited
#include "transform.cpp"
#undef hotswap_transform

bool hotswap_transform(const hotswap_old::Bank& from, Bank& to) {
  bank_transform_as_edited(from, to);
  throw 42;
}
bool hotswap_transform(const Bank& from, hotswap_old::Bank& to) { return bank_transform_as_edited(from, to); }
