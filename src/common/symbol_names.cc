#include "common/symbol_names.h"


#include <cctype>
#include <cstdlib>

namespace hotswap {
namespace {

// Suffixes GCC's IPA passes (and Clang's outliner) append, each optionally numbered.
constexpr const char* kPartSuffixes[] = {".cold", ".part", ".constprop", ".isra", ".localalias",
                                         ".lto_priv", ".specialized", ".llvm"};

bool all_digits(const std::string& s, std::size_t from, std::size_t to) {
  if (from >= to) return false;
  for (std::size_t i = from; i < to; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::string parent_function(const std::string& name) {
  std::size_t first = std::string::npos;
  for (const char* suffix : kPartSuffixes) {
    std::size_t at = name.find(suffix);
    while (at != std::string::npos && at > 0) {
      std::size_t end = at + std::char_traits<char>::length(suffix);
      // The suffix must end the name or be followed by ".N" or another part.
      if (end == name.size() || name[end] == '.') {
        if (at < first) first = at;
        break;
      }
      at = name.find(suffix, at + 1);
    }
  }
  return first == std::string::npos ? std::string() : name.substr(0, first);
}

bool is_fragment(const std::string& name) {
  std::size_t at = name.rfind(".cold");
  if (at == std::string::npos || at == 0) return false;
  std::size_t end = at + 5;
  return end == name.size() || (name[end] == '.' && all_digits(name, end + 1, name.size()));
}

std::string fragment_owner(const std::string& name) {
  return is_fragment(name) ? name.substr(0, name.rfind(".cold")) : std::string();
}

std::string unnumbered_static(const std::string& name) {
  // GCC's C front end and some clones: "name.N".
  std::size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0 && all_digits(name, dot + 1, name.size()))
    return name.substr(0, dot);
  // Itanium ABI discriminator of a function-local entity: "_ZZ...E<name>_N" (N from 0), or
  // "__N_" for N >= 10.
  if (name.rfind("_ZZ", 0) != 0) return name;
  if (name.size() > 3 && name.back() == '_') {
    std::size_t u = name.rfind("__", name.size() - 2);
    if (u != std::string::npos && all_digits(name, u + 2, name.size() - 1)) return name.substr(0, u);
  }
  std::size_t u = name.rfind('_');
  if (u != std::string::npos && u > 3 && all_digits(name, u + 1, name.size())) return name.substr(0, u);
  return name;
}

std::string demangled_base(const std::string& name) {
  std::string d = demangle(name);
  // The parameter list is the first "(" outside template arguments that does not open
  // "(anonymous namespace)".
  static const std::string kAnonymous = "(anonymous namespace)";
  int depth = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d.compare(i, kAnonymous.size(), kAnonymous) == 0) {
      i += kAnonymous.size() - 1;
    } else if (d[i] == '<') {
      ++depth;
    } else if (d[i] == '>') {
      --depth;
    } else if (d[i] == '(' && depth == 0) {
      return d.substr(0, i);
    }
  }
  return d;
}

}  // namespace hotswap
