// Every layout a transform file declares in namespace hotswap_old, checked against the old
// release's DWARF (size, and each declared member's offset and type): no transformer reads
// old bytes through a wrong layout, whether the layout was generated or written by hand.
#pragma once

#include <set>
#include <string>

#include "common/expected.h"
#include "tool/diff/dwarf_reader.h"

namespace hotswap::diff {

// `checked` is the compiled transform unit's DWARF (read from a linked copy of it);
// `declared` the types whose old layouts belong in hotswap_old (changed, and holding one):
// a member must name them there, never the new release's.
// Renames namespace `from` to `to` in every type name of `info` (the transform unit is
// compiled with hotswap_old renamed per patch; the check speaks the file's names).
void rename_namespace(DwarfInfo& info, const std::string& from, const std::string& to);

// `undeclared` the program's changed types it does not declare (those no C++ can name): a
// member holding one must be bytes.
Status check_old_layouts(const DwarfInfo& checked, const DwarfInfo& old_release, const std::set<std::string>& declared,
                         const std::set<std::string>& undeclared, const std::string& file);

// The other side: each declared type as the transform unit sees it (the program's headers)
// must be the new release's (size, each member's offset), or the transformers would write
// new objects through a wrong layout.
Status check_new_layouts(const DwarfInfo& checked, const DwarfInfo& new_release, const std::set<std::string>& declared,
                         const std::string& file);

}  // namespace hotswap::diff
