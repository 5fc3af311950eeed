#include "tool/diff/build_settings.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace hotswap::diff {
namespace {

bool names_a_path(const std::string& option) {
  for (const char* prefix : {"-ffile-prefix-map=", "-fdebug-prefix-map=", "-fmacro-prefix-map=",
                             "-fprofile-prefix-map=", "-I", "-iquote", "-isystem"})
    if (option.rfind(prefix, 0) == 0) return true;
  return false;
}

// GCC: "GNU C++17 12.2.0 -mtune=generic -O2 ..."; Clang: "Debian clang version 14.0.6".
// The compiler part is everything before the first option.
void split_producer(const std::string& producer, std::string& compiler, std::vector<std::string>& options) {
  std::istringstream in(producer);
  std::string word;
  while (in >> word) {
    if (word.size() > 1 && word[0] == '-') {
      if (!names_a_path(word)) options.push_back(word);
    } else if (options.empty()) {
      compiler += (compiler.empty() ? "" : " ") + word;
    }
  }
}

// The words of a flags string without the options that name a path (and the path given
// as the next word: "-I dir"); every other word kept, values included ("-D MODE=1").
std::vector<std::string> without_paths(const std::string& flags) {
  std::istringstream in(flags);
  std::vector<std::string> words;
  for (std::string word; in >> word;) {
    if (word == "-I" || word == "-iquote" || word == "-isystem") {
      in >> word;  // its directory
      continue;
    }
    if (!names_a_path(word)) words.push_back(word);
  }
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string producer_difference(const std::string& old_producer, const std::string& new_producer) {
  std::string old_compiler, new_compiler;
  std::vector<std::string> old_options, new_options;
  split_producer(old_producer, old_compiler, old_options);
  split_producer(new_producer, new_compiler, new_options);
  if (old_compiler != new_compiler) return "compiler \"" + old_compiler + "\" -> \"" + new_compiler + "\"";
  if (old_options == new_options) return "";
  std::vector<std::string> only_old, only_new;
  for (const auto& o : old_options)
    if (std::find(new_options.begin(), new_options.end(), o) == new_options.end()) only_old.push_back(o);
  for (const auto& o : new_options)
    if (std::find(old_options.begin(), old_options.end(), o) == old_options.end()) only_new.push_back(o);
  if (only_old.empty() && only_new.empty()) return "options in a different order";
  return "options " + join(only_old) + " -> " + join(only_new);
}

Status check_same_build_settings(const BuildRecord& old_record, const BuildRecord& new_record,
                                 const std::map<std::string, std::string>& old_producers,
                                 const std::map<std::string, std::string>& new_producers,
                                 const std::set<std::string>& units) {
  if (old_record.compiler != new_record.compiler)
    return make_error("the two builds used different compilers: \"" + old_record.compiler + "\" and \"" +
                      new_record.compiler + "\"");
  // Options that name a path (-ffile-prefix-map=<checkout>/=, -I) differ between two
  // checkouts of one program and change no code: compared without them, as producers are.
  if (without_paths(old_record.flags) != without_paths(new_record.flags))
    return make_error("the two builds used different flags: \"" + old_record.flags + "\" and \"" + new_record.flags +
                      "\"");
  for (const std::string& unit : units) {
    auto o = old_producers.find(unit), n = new_producers.find(unit);
    if (o == old_producers.end() || n == new_producers.end()) continue;
    std::string difference = producer_difference(o->second, n->second);
    if (!difference.empty())
      return make_error("the two builds compiled " + unit + " differently (DW_AT_producer): " + difference);
  }
  return Status::success();
}

}  // namespace hotswap::diff
