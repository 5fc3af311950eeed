#include "tool/diff/normalize.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include "arch/x86_64/relocations.h"
#include "common/hash.h"
#include "tool/diff/merged_section.h"
#include "common/symbol_names.h"

namespace hotswap::diff {
namespace {

std::string escape(std::span<const unsigned char> bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

// PC-relative kinds point past their field: 4 bytes for a plain field, up to 4 more when an
// immediate operand follows it (`addl $1, n(%rip)` carries addend -5, `cmpq $1, n(%rip)` -8).
constexpr std::int64_t kPcBias[] = {4, 5, 6, 8};
constexpr std::int64_t kMaxPcBias = 8;

// A string piece's bytes without its terminator, for people to read.
std::span<const unsigned char> without_terminator(std::span<const unsigned char> bytes,
                                                  std::uint64_t entsize) {
  bool terminated =
      bytes.size() >= entsize && std::all_of(bytes.end() - static_cast<std::ptrdiff_t>(entsize),
                                             bytes.end(), [](unsigned char c) { return c == 0; });
  return terminated ? bytes.first(bytes.size() - entsize) : bytes;
}

std::string signed_offset(std::int64_t v) {
  return v < 0 ? std::to_string(v) : "+" + std::to_string(v);
}

}  // namespace

ObjectTables tables_of(const ElfFile& object) {
  return ObjectTables{&object.sections(), &object.symbols(),
                      [&object](std::size_t s) -> const std::vector<ElfRelocation>& {
                        return object.relocations_for(s);
                      }};
}

bool NormalForm::operator==(const NormalForm& other) const {
  if (code_hash != other.code_hash || size != other.size) return false;
  if (references.size() != other.references.size()) return false;
  for (std::size_t i = 0; i < references.size(); ++i) {
    const auto& a = references[i];
    const auto& b = other.references[i];
    if (a.offset != b.offset || a.type != b.type || a.target != b.target) return false;
  }
  return true;
}

// When the code differs only in a few immediates (a line number an assertion passes):
// "only a constant changed: 1134 -> 1137". Each run of differing bytes no
// longer than an immediate is read as the 32-bit value that starts with it (a small change
// shows in the low bytes); "" when the differences look like anything else.
std::string only_constants(const NormalForm& before, const NormalForm& after) {
  const auto& a = before.masked;
  const auto& b = after.masked;
  if (a.size() != b.size() || a.empty()) return "";
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [first, last] differing bytes
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (!runs.empty() && i - runs.back().second <= 3 && i - runs.back().first < 4) runs.back().second = i;
    else runs.emplace_back(i, i);
    if (runs.size() > 3) return "";
  }
  if (runs.empty()) return "";
  auto value = [](const std::vector<unsigned char>& bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4 && at + k < bytes.size(); ++k) v |= std::uint32_t{bytes[at + k]} << (8 * k);
    return static_cast<std::int32_t>(v);
  };
  // Bytes are not instructions: a changed opcode (jl -> jle) reads as a value too. Only small
  // values that moved a little are taken for constants (what a shifted line number looks
  // like); anything else stays "code differs".
  std::string out;
  for (auto [first, last] : runs) {
    std::int32_t x = value(a, first), y = value(b, first);
    if (x < 0 || y < 0 || x >= 100000 || y >= 100000 || y - x >= 200 || x - y >= 200) return "";
    out += (out.empty() ? "" : ", ") + std::to_string(x) + " -> " + std::to_string(y);
  }
  return std::string(runs.size() == 1 ? "only a constant changed: " : "only constants changed: ") + out +
         " (a line number, as an assertion passes?)";
}

std::string explain_difference(const NormalForm& before, const NormalForm& after) {
  if (before == after) return "";
  if (before.size != after.size)
    return "code differs (size " + std::to_string(before.size) + " -> " +
           std::to_string(after.size) + ")";
  if (before.code_hash != after.code_hash && before.references.size() == after.references.size()) {
    bool same_references = true;
    for (std::size_t i = 0; i < before.references.size() && same_references; ++i)
      same_references = before.references[i].target == after.references[i].target &&
                        before.references[i].offset == after.references[i].offset &&
                        before.references[i].type == after.references[i].type;
    if (same_references)
      if (std::string constants = only_constants(before, after); !constants.empty()) return constants;
  }
  if (before.code_hash != after.code_hash || before.references.size() != after.references.size())
    return "code differs";
  for (std::size_t i = 0; i < before.references.size(); ++i) {
    const auto& a = before.references[i];
    const auto& b = after.references[i];
    if (a.target == b.target && a.offset == b.offset && a.type == b.type) continue;
    auto kind = [](const std::string& t) { return t.substr(0, 2); };
    if (kind(a.target) == "S:" && kind(b.target) == "S:")
      return "string literal changed from " + a.target.substr(2) + " to " + b.target.substr(2);
    if (!a.symbol.empty() && a.symbol == b.symbol && kind(a.target) == "R:")
      return "read-only data " + a.symbol + " changed";
    if (kind(a.target) == "A:" || kind(b.target) == "A:")
      return "constant data (e.g. a jump table) changed";
    if (kind(a.target) == "C:" && kind(b.target) == "C:") return "a constant changed";
    if (kind(a.target) == "M:" || kind(b.target) == "M:")
      return "a merged string or constant section changed";
    if (!a.symbol.empty() && !b.symbol.empty() && a.symbol != b.symbol)
      return "refers to " + b.symbol + " instead of " + a.symbol;
    return "reference at +" + std::to_string(a.offset) + " changed";
  }
  return "code differs";
}

bool is_anonymous_label(const ElfSymbol& s) {
  return s.type == STT_SECTION || s.name.empty() ||
         (s.bind == STB_LOCAL && s.name.rfind(".L", 0) == 0);
}

Normalizer::Normalizer(ObjectTables tables) : tables_(std::move(tables)) {
  for (const ElfSymbol& s : *tables_.symbols) {
    if (s.shndx == SHN_UNDEF || s.shndx >= tables_.sections->size() || is_anonymous_label(s))
      continue;
    if (s.type == STT_FILE) continue;
    by_section_[s.shndx].push_back(&s);
  }
  for (auto& [index, list] : by_section_)
    std::stable_sort(list.begin(), list.end(),
                     [](const ElfSymbol* a, const ElfSymbol* b) { return a->value < b->value; });
}

bool Normalizer::is_read_only(const ElfSection& s) const {
  if (s.flags & SHF_EXECINSTR) return false;
  // .data.rel.ro is writable only until the dynamic linker has relocated it: constant for
  // the program (vtables, const tables of pointers).
  return !(s.flags & SHF_WRITE) || s.name.rfind(".data.rel.ro", 0) == 0;
}

const ElfSymbol* Normalizer::symbol_covering(std::size_t section, std::uint64_t offset) const {
  auto it = by_section_.find(section);
  if (it == by_section_.end()) return nullptr;
  const ElfSymbol* best = nullptr;
  for (const ElfSymbol* s : it->second) {
    if (s->value > offset) break;
    bool inside = offset < s->value + s->size || (s->size == 0 && offset == s->value);
    // Prefer a global over a local alias at the same place, then the first defined.
    if (inside && (!best || (best->bind == STB_LOCAL && s->bind != STB_LOCAL))) best = s;
  }
  return best;
}

NormalForm Normalizer::normalize(const ElfSymbol& symbol) {
  NormalForm form;
  form.size = symbol.size;
  const auto& sections = *tables_.sections;
  if (symbol.shndx >= sections.size()) return form;
  const ElfSection& sec = sections[symbol.shndx];
  std::vector<unsigned char> bytes;
  if (sec.type != SHT_NOBITS && symbol.value <= sec.bytes.size() &&
      symbol.size <= sec.bytes.size() - symbol.value) {
    auto span = sec.bytes.subspan(symbol.value, symbol.size);
    bytes.assign(span.begin(), span.end());
  }
  for (const ElfRelocation& r : tables_.relocations_for(symbol.shndx)) {
    if (r.offset < symbol.value || r.offset >= symbol.value + symbol.size) continue;
    std::uint64_t at = r.offset - symbol.value;
    std::uint64_t width = static_cast<std::uint64_t>(x86_64::relocation_width(r.type));
    if (at < bytes.size())
      std::fill_n(bytes.begin() + at, std::min<std::uint64_t>(width, bytes.size() - at), 0);
    form.references.push_back(normalize_relocation(symbol.shndx, symbol.value, r));
  }
  std::sort(form.references.begin(), form.references.end(),
            [](const NormalReference& a, const NormalReference& b) { return a.offset < b.offset; });
  Fnv1a64 h;
  h.add(sec.type == SHT_NOBITS ? std::string("nobits") : std::string("bits"));
  h.add(bytes);
  form.code_hash = hex64(h.value());
  form.masked = std::move(bytes);
  return form;
}

NormalReference Normalizer::normalize_relocation(std::size_t section, std::uint64_t symbol_start,
                                                 const ElfRelocation& r) {
  (void)section;
  NormalReference ref;
  ref.offset = r.offset - symbol_start;
  ref.type = r.type;
  const auto& symbols = *tables_.symbols;
  if (r.symbol >= symbols.size()) {
    ref.target = "?:bad symbol";
    return ref;
  }
  const ElfSymbol& s = symbols[r.symbol];
  if (r.symbol == 0) {
    ref.target = "N:" + signed_offset(r.addend);
  } else if (s.shndx == SHN_UNDEF) {
    ref.target = "U:" + s.name + signed_offset(r.addend);
    ref.symbol = s.name;
  } else if (s.shndx >= SHN_LORESERVE) {
    ref.target = "X:" + s.name + signed_offset(r.addend);  // absolute or common
    ref.symbol = s.name;
  } else if ((*tables_.sections)[s.shndx].flags & SHF_MERGE) {
    ref.target = merged_target(s, r);
    if (!is_anonymous_label(s)) ref.symbol = s.name;
  } else if (!is_anonymous_label(s)) {
    ref.target = named_target(s, r.addend);
    ref.symbol = s.name;
  } else {
    std::int64_t base = s.type == STT_SECTION ? 0 : static_cast<std::int64_t>(s.value);
    ref.target = section_target(s.shndx, base + r.addend, r.type);
    // A place inside a named symbol is that symbol.
    auto colon = ref.target.find(':');
    auto end = ref.target.find_first_of("{+-", colon + 1);
    if (colon == 1 && (ref.target[0] == 'F' || ref.target[0] == 'D' || ref.target[0] == 'R'))
      ref.symbol = ref.target.substr(2, end == std::string::npos ? std::string::npos : end - 2);
  }
  return ref;
}

std::string Normalizer::named_target(const ElfSymbol& s, std::int64_t delta) {
  const ElfSection& sec = (*tables_.sections)[s.shndx];
  if (s.type == STT_FUNC || (sec.flags & SHF_EXECINSTR)) {
    // A clone or part (f.constprop.0, f.isra.0, f.part.0) is a private specialization its
    // callers depend on: it counts by content, so a caller of a changed clone is changed
    // (the clone itself is carried, never redirected: its name may denote another
    // specialization in the other release).
    if (!parent_function(s.name).empty() && !is_fragment(s.name) && s.type == STT_FUNC)
      return "F:" + s.name + "{" + read_only_content(s.shndx, s.value, s.size) + "}" +
             signed_offset(delta);
    return "F:" + s.name + signed_offset(delta);
  }
  // A symbol without a size (one defined in assembly) may be followed by anything it names.
  if (is_read_only(sec) && s.size == 0)
    return "R:" + s.name + "{" + read_only_content(s.shndx, 0, sec.size) + "}" +
           signed_offset(delta);
  if (is_read_only(sec))
    return "R:" + s.name + "{" + read_only_content(s.shndx, s.value, s.size) + "}" +
           signed_offset(delta);
  return "D:" + s.name + signed_offset(delta);
}

// A reference into a merged section means what the linker makes of it (GNU ld and lld
// agree). Through a symbol (.LC0, .L.str.1, a named constant) it is the piece holding the
// symbol, whatever the addend: GCC's `.LC0+8` followed by `-12(%rax)` reads .LC0 from its
// start. Through a section symbol it is the piece holding value + addend; assemblers use one
// only where the target starts (Clang's relative lookup tables), but should a PC-relative
// field ever name its piece through the field's bias, the pieces up to 8 bytes further are
// covered too. The code may read all of its piece, never beyond: the linker places the piece
// alone. So the reference is the piece's bytes and the address relative to the piece.
std::string Normalizer::merged_target(const ElfSymbol& s, const ElfRelocation& r) {
  const ElfSection& sec = (*tables_.sections)[s.shndx];
  std::int64_t value = static_cast<std::int64_t>(s.value);
  std::int64_t address = value + r.addend;
  std::int64_t first = value, last = value;
  if (s.type == STT_SECTION) {
    first = address;
    last = address + (x86_64::is_pc_relative(r.type) ? kMaxPcBias : 0);
  } else if (s.size > 0) {
    last = value + static_cast<std::int64_t>(s.size) - 1;
  }
  std::optional<Piece> piece = pieces_holding(sec, first, last);
  // Outside the section's bytes: no piece is meant more than another.
  if (!piece) return "M:{" + read_only_content(s.shndx, 0, sec.size) + "}" + signed_offset(address);
  auto bytes = sec.bytes.subspan(piece->start, piece->size);
  // Shown as the place a plain PC-relative field names (`.LC0-4` is the string's +0).
  std::int64_t at = address - static_cast<std::int64_t>(piece->start) +
                    (x86_64::is_pc_relative(r.type) ? kPcBias[0] : 0);
  if (sec.flags & SHF_STRINGS)
    return "S:" + escape(without_terminator(bytes, sec.entsize ? sec.entsize : 1)) +
           (at == 0 ? "" : signed_offset(at));
  return "C:" + hex_bytes(bytes) + signed_offset(at);
}

// `offset` is the relocation's addend made relative to the section's start (not a merged
// section: merged_target reads those).
std::string Normalizer::section_target(std::size_t index, std::int64_t offset, std::uint32_t type) {
  const ElfSection& sec = (*tables_.sections)[index];
  if (is_read_only(sec) && sec.type != SHT_NOBITS) return read_only_target(index, offset);
  static constexpr std::int64_t kNoBias[] = {0};
  std::span<const std::int64_t> biases = x86_64::is_pc_relative(type)
                                             ? std::span<const std::int64_t>(kPcBias)
                                             : std::span<const std::int64_t>(kNoBias);
  for (std::int64_t bias : biases) {
    std::int64_t place = offset + bias;
    if (place < 0) continue;
    if (const ElfSymbol* covering = symbol_covering(index, static_cast<std::uint64_t>(place)))
      return named_target(*covering, offset - static_cast<std::int64_t>(covering->value));
  }
  return "W:" + sec.name + signed_offset(offset);
}

// A section symbol's addend does not say which object the code meant: the address may lie
// one past the end of a table walked backwards, or before the start of one indexed from 1,
// and so inside a neighbour. When the section is one object (every datum has its own section
// under -fdata-sections) the reference is that object; otherwise it is the whole section.
std::string Normalizer::read_only_target(std::size_t index, std::int64_t offset) {
  if (const ElfSymbol* object = sole_object(index))
    return named_target(*object, offset - static_cast<std::int64_t>(object->value));
  return "A:{" + read_only_content(index, 0, (*tables_.sections)[index].size) + "}" +
         signed_offset(offset);
}

// The named symbol that spans all of section `index` (a global one among aliases), if any.
const ElfSymbol* Normalizer::sole_object(std::size_t index) const {
  auto it = by_section_.find(index);
  if (it == by_section_.end() || it->second.empty()) return nullptr;
  const ElfSymbol* first = it->second.front();
  for (const ElfSymbol* s : it->second)
    if (s->value != first->value || s->size != first->size) return nullptr;
  if (first->value != 0 || first->size < (*tables_.sections)[index].size) return nullptr;
  return symbol_covering(index, 0);
}

// A hash of read-only bytes with their own relocations normalized; a cycle (a table that
// points at itself) hashes by position.
std::string Normalizer::read_only_content(std::size_t index, std::uint64_t start,
                                          std::uint64_t size) {
  auto key = std::make_tuple(index, start, size);
  if (auto it = content_cache_.find(key); it != content_cache_.end()) return it->second;
  if (!in_progress_.insert(key).second) return "cycle";
  ElfSymbol region;
  region.shndx = static_cast<std::uint32_t>(index);
  region.value = start;
  region.size = size;
  NormalForm form = normalize(region);
  Fnv1a64 h;
  h.add(form.code_hash);
  for (const auto& ref : form.references) {
    h.add(std::to_string(ref.offset) + ":" + std::to_string(ref.type) + ":" + ref.target + ";");
  }
  in_progress_.erase(key);
  std::string result = hex64(h.value());
  content_cache_[key] = result;
  return result;
}

}  // namespace hotswap::diff
