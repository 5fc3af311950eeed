#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

static std::unordered_map<std::string, int> s_words;

std::string add_words(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    s_words[word] += 2;
  }
  return std::to_string(s_words.size());
}

std::string dump() {
  std::vector<std::pair<std::string, int>> sorted(s_words.begin(), s_words.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& [w, n] : sorted) out += (out.empty() ? "" : ";") + w + ":" + std::to_string(n);
  return out;
}
