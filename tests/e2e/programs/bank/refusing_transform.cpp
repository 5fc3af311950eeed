// The bank's transform file with a forward transformer that always refuses (after doing
// its work, so that a half-written new instance is what the refusal leaves behind).
#define hotswap_transform bank_transform_as_edited
#include "transform.cpp"
#undef hotswap_transform

bool hotswap_transform(const hotswap_old::Bank& from, Bank& to) {
  bank_transform_as_edited(from, to);
  return hotswap::refuse("the auditors refuse the new ledger");
}
bool hotswap_transform(const Bank& from, hotswap_old::Bank& to) { return bank_transform_as_edited(from, to); }
