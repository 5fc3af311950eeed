// The bank's transform file with a forward transformer that always throws what is not a
// std::exception (after doing its work).
#define hotswap_transform_Bank hotswap_transform_Bank_as_edited
#include "transform.cpp"
#undef hotswap_transform_Bank

extern "C" int hotswap_transform_Bank(const void* from_object, void* to_object) {
  hotswap_transform_Bank_as_edited(from_object, to_object);
  throw 42;
}
