// Two releases can be compared object by object only if the same compiler built them with
// the same flags: otherwise every function differs for reasons that are not changes.
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/expected.h"
#include "tool/build_record.h"

namespace hotswap::diff {

// "" if two DW_AT_producer strings name the same compiler and options, else what differs:
// "compiler GNU C++17 12.2.0 -> GNU C++17 13.1.0" or "option -O2 -> -O1". Options that
// only name paths (-ffile-prefix-map=...) are ignored: releases are built in different trees.
std::string producer_difference(const std::string& old_producer, const std::string& new_producer);

// Refuses two builds made with different compilers or flags, naming the difference: first
// the build records, then every translation unit's DW_AT_producer.
Status check_same_build_settings(const BuildRecord& old_record, const BuildRecord& new_record,
                                 const std::map<std::string, std::string>& old_producers,
                                 const std::map<std::string, std::string>& new_producers,
                                 const std::set<std::string>& units);

}  // namespace hotswap::diff
