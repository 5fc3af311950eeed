// Every layout a transform file declares in namespace hotswap_old, checked against the old
// release's DWARF (size, and each declared member's offset and type): no transformer reads
// old bytes through a wrong layout, whether the layout was generated or written by hand.
#pragma once

#include <string>

#include "common/expected.h"
#include "tool/diff/dwarf_reader.h"

namespace hotswap::diff {

// `checked` is the compiled transform unit's DWARF (read from a linked copy of it).
Status check_old_layouts(const DwarfInfo& checked, const DwarfInfo& old_release, const std::string& file);

}  // namespace hotswap::diff
