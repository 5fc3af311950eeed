#include "runtime/eh_frame.h"

#include <cstring>
#include <map>
#include <string>

// libgcc's registry of unwind tables (unwind-dw2-fde.h): the caller owns the record.
extern "C" void __register_frame_info(const void* table, void* object);
extern "C" void* __deregister_frame_info(const void* table);

namespace hotswap {
namespace {

constexpr unsigned char kPcRelSdata4 = 0x1b;          // DW_EH_PE_pcrel | DW_EH_PE_sdata4
constexpr unsigned char kIndirectPcRelSdata4 = 0x9b;  // | DW_EH_PE_indirect
constexpr unsigned char kOmit = 0xff;

struct Cie {
  unsigned char fde_encoding = kPcRelSdata4;
  unsigned char lsda_encoding = kOmit;
  bool augmented = false;  // "z": FDEs carry an augmentation data length
};

class Reader {
 public:
  Reader(std::span<const unsigned char> bytes, std::size_t at, std::size_t end) : bytes_(bytes), at_(at), end_(end) {}
  bool u8(unsigned char& v) {
    if (at_ + 1 > end_) return false;
    v = bytes_[at_++];
    return true;
  }
  bool s32(std::int32_t& v) {
    if (at_ + 4 > end_) return false;
    std::memcpy(&v, bytes_.data() + at_, 4);
    at_ += 4;
    return true;
  }
  bool uleb(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      unsigned char b;
      if (!u8(b)) return false;
      v |= std::uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool skip(std::uint64_t n) {
    if (n > end_ - at_) return false;
    at_ += n;
    return true;
  }
  bool cstring(std::string& s) {
    s.clear();
    for (unsigned char c; u8(c);) {
      if (!c) return true;
      s += static_cast<char>(c);
    }
    return false;
  }
  std::size_t at() const { return at_; }
  std::uint64_t address(std::uint64_t base) const { return base + at_; }

 private:
  std::span<const unsigned char> bytes_;
  std::size_t at_, end_;
};

Error bad(std::size_t offset, const std::string& what) {
  return make_error(".eh_frame+" + std::to_string(offset) + ": " + what);
}

bool inside_any(std::span<const AddressRange> ranges, std::uint64_t a, std::uint64_t size) {
  for (const AddressRange& r : ranges)
    if (r.contains(a, size)) return true;
  return false;
}

Expected<Cie> parse_cie(Reader r, std::size_t offset, std::uint64_t base,
                        std::span<const AddressRange> personality_slots) {
  Cie cie;
  unsigned char version;
  std::string augmentation;
  std::uint64_t ignored;
  if (!r.u8(version) || (version != 1 && version != 3)) return bad(offset, "CIE version is not 1 or 3");
  if (!r.cstring(augmentation)) return bad(offset, "CIE augmentation string runs past the record");
  unsigned char ra;
  if (!r.uleb(ignored) || !r.uleb(ignored)) return bad(offset, "truncated CIE");
  if (version == 1 ? !r.u8(ra) : !r.uleb(ignored)) return bad(offset, "truncated CIE");
  if (augmentation.empty()) return cie;
  if (augmentation[0] != 'z') return bad(offset, "CIE augmentation \"" + augmentation + "\" is not supported");
  cie.augmented = true;
  std::uint64_t length;
  if (!r.uleb(length)) return bad(offset, "truncated CIE augmentation");
  for (char c : augmentation.substr(1)) {
    unsigned char encoding;
    switch (c) {
      case 'R':
        if (!r.u8(encoding) || encoding != kPcRelSdata4) return bad(offset, "FDE pointer encoding is not pcrel sdata4");
        cie.fde_encoding = encoding;
        break;
      case 'L':
        if (!r.u8(encoding) || (encoding != kPcRelSdata4 && encoding != kOmit))
          return bad(offset, "LSDA pointer encoding is not pcrel sdata4");
        cie.lsda_encoding = encoding;
        break;
      case 'P': {
        std::int32_t rel;
        if (!r.u8(encoding) || encoding != kIndirectPcRelSdata4)
          return bad(offset, "personality encoding is not indirect pcrel sdata4");
        std::uint64_t place = r.address(base);
        if (!r.s32(rel)) return bad(offset, "truncated personality pointer");
        std::uint64_t slot = place + static_cast<std::int64_t>(rel);
        if (!inside_any(personality_slots, slot, 8)) return bad(offset, "personality pointer leads outside the program");
        break;
      }
      case 'S':
        break;
      default:
        return bad(offset, std::string("CIE augmentation '") + c + "' is not supported");
    }
  }
  return cie;
}

}  // namespace

Expected<UnwindTable> loaded_unwind_table(std::span<const unsigned char> section,
                                          const std::vector<ElfRelocation>& relocations,
                                          const std::function<bool(const ElfRelocation&)>& keep) {
  struct Record {
    std::size_t offset = 0, size = 0;
    bool cie = false, kept = false;
    std::size_t cie_offset = 0;  // FDEs
  };
  std::map<std::uint64_t, const ElfRelocation*> by_offset;
  for (const ElfRelocation& r : relocations) by_offset[r.offset] = &r;
  std::vector<Record> records;
  std::map<std::size_t, std::size_t> record_at;  // offset -> index
  std::size_t offset = 0;
  while (offset + 4 <= section.size()) {
    std::uint32_t length;
    std::memcpy(&length, section.data() + offset, 4);
    if (length == 0) break;
    if (length == 0xffffffff) return bad(offset, "64-bit records are not supported");
    if (length < 4 || length > section.size() - offset - 4) return bad(offset, "record length runs past the table");
    Record rec{offset, 4 + std::size_t{length}};
    std::uint32_t id;
    std::memcpy(&id, section.data() + offset + 4, 4);
    rec.cie = id == 0;
    if (!rec.cie) {
      if (id > offset + 4 || !record_at.count(offset + 4 - id) || !records[record_at[offset + 4 - id]].cie)
        return bad(offset, "FDE names no CIE before it");
      rec.cie_offset = offset + 4 - id;
      auto start = by_offset.find(offset + 8);
      rec.kept = start != by_offset.end() && keep(*start->second);
      if (rec.kept) records[record_at[rec.cie_offset]].kept = true;
    }
    record_at[offset] = records.size();
    records.push_back(rec);
    offset += rec.size;
  }
  for (const ElfRelocation& r : relocations)
    if (r.offset >= offset) return bad(r.offset, "a relocation lies outside the section's records");
  UnwindTable table;
  std::map<std::size_t, std::size_t> moved;  // old record offset -> new
  for (const Record& rec : records) {
    if (!rec.kept) continue;
    std::size_t at = table.bytes.size();
    moved[rec.offset] = at;
    table.bytes.insert(table.bytes.end(), section.begin() + rec.offset, section.begin() + rec.offset + rec.size);
    if (!rec.cie) {
      auto pointer = static_cast<std::uint32_t>(at + 4 - moved.at(rec.cie_offset));
      std::memcpy(table.bytes.data() + at + 4, &pointer, 4);
      ++table.fde_count;
    }
    for (auto r = by_offset.lower_bound(rec.offset); r != by_offset.end() && r->first < rec.offset + rec.size; ++r) {
      ElfRelocation copy = *r->second;
      copy.offset = r->first - rec.offset + at;
      table.relocations.push_back(copy);
    }
  }
  if (!table.fde_count) table.bytes.clear();
  return table;
}

Status check_eh_frame(std::span<const unsigned char> table, AddressRange code, AddressRange constants,
                      std::span<const AddressRange> personality_slots) {
  const std::uint64_t base = reinterpret_cast<std::uint64_t>(table.data());
  std::map<std::size_t, Cie> cies;
  std::size_t offset = 0;
  while (offset + 4 <= table.size()) {
    std::uint32_t length;
    std::memcpy(&length, table.data() + offset, 4);
    if (length == 0) break;  // the terminator
    if (length == 0xffffffff) return bad(offset, "64-bit records are not supported");
    if (length < 4 || length > table.size() - offset - 4) return bad(offset, "record length runs past the table");
    std::size_t end = offset + 4 + length;
    Reader r(table, offset + 4, end);
    std::int32_t id = 0;
    if (!r.s32(id)) return bad(offset, "truncated record");
    if (id == 0) {
      auto cie = parse_cie(r, offset, base, personality_slots);
      if (!cie) return cie.error();
      cies[offset] = *cie;
    } else {
      std::size_t cie_at = offset + 4 - static_cast<std::size_t>(static_cast<std::uint32_t>(id));
      auto cie = cies.find(cie_at);
      if (static_cast<std::uint32_t>(id) > offset + 4 || cie == cies.end())
        return bad(offset, "FDE names no CIE before it");
      std::int32_t begin_rel, range;
      std::uint64_t place = r.address(base);
      if (!r.s32(begin_rel) || !r.s32(range)) return bad(offset, "truncated FDE");
      std::uint64_t begin = place + static_cast<std::int64_t>(begin_rel);
      // Even an empty FDE orders the unwinder's tables by where it begins: it must begin in
      // the patch's code like the others (docs/ARCHITECTURE.md, "Unwind tables").
      if (range < 0 || !code.contains(begin, static_cast<std::uint64_t>(range)))
        return bad(offset, "FDE covers code the patch does not load");
      if (cie->second.augmented) {
        std::uint64_t aug_length;
        std::size_t aug_start;
        if (!r.uleb(aug_length)) return bad(offset, "truncated FDE augmentation");
        aug_start = r.at();
        if (cie->second.lsda_encoding == kPcRelSdata4 && aug_length >= 4) {
          std::uint64_t lsda_place = r.address(base);
          std::int32_t lsda_rel;
          if (!r.s32(lsda_rel)) return bad(offset, "truncated LSDA pointer");
          std::uint64_t lsda = lsda_place + static_cast<std::int64_t>(lsda_rel);
          if (lsda_rel != 0 && range > 0 && !constants.contains(lsda)) return bad(offset, "LSDA lies outside the patch");
        }
        if (!Reader(table, aug_start, end).skip(aug_length)) return bad(offset, "FDE augmentation runs past the record");
      }
    }
    offset = end;
  }
  return Status::success();
}

void register_unwind_table(std::uint64_t table, std::uint64_t object) {
  __register_frame_info(reinterpret_cast<const void*>(table), reinterpret_cast<void*>(object));
}

void deregister_unwind_table(std::uint64_t table) { __deregister_frame_info(reinterpret_cast<const void*>(table)); }

}  // namespace hotswap
