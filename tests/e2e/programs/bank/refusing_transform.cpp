// The bank's transform file with a forward transformer that always refuses (after doing
// its work, so that a half-written new instance is what the refusal leaves behind).
#define hotswap_transform_Bank hotswap_transform_Bank_as_edited
#include "transform.cpp"
#undef hotswap_transform_Bank

extern "C" int hotswap_transform_Bank(const void* from_object, void* to_object) {
  hotswap_transform_Bank_as_edited(from_object, to_object);
  return 7;
}
