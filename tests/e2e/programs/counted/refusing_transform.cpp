// The edited transform file with a table transformer that refuses after it has migrated
// every blob: the refusal leaves built blobs behind, and must give the old ones back whole.
#define hotswap_transform counted_transform_as_edited
#include "transform.cpp"
#undef hotswap_transform

bool hotswap_transform(const hotswap_old::pool::Table& from, pool::Table& to) {
  counted_transform_as_edited(from, to);
  return hotswap::refuse("the table refuses to move");
}
bool hotswap_transform(const pool::Table& from, hotswap_old::pool::Table& to) { return counted_transform_as_edited(from, to); }
bool hotswap_transform(const hotswap_old::pool::Blob& from, pool::Blob& to) { return counted_transform_as_edited(from, to); }
bool hotswap_transform(const pool::Blob& from, hotswap_old::pool::Blob& to) { return counted_transform_as_edited(from, to); }
bool hotswap_transform(const hotswap_old::pool::Reader& from, pool::Reader& to) { return counted_transform_as_edited(from, to); }
bool hotswap_transform(const pool::Reader& from, hotswap_old::pool::Reader& to) { return counted_transform_as_edited(from, to); }
