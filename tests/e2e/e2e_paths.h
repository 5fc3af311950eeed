// What the end-to-end tests of patched programs share: where the programs and patches are,
// and how answers read.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace e2e {

inline std::string out_dir() {
  const char* env = std::getenv("HOTSWAP_E2E_OUT");
  return env ? env : E2E_OUT;
}
inline std::string program(const std::string& name, const std::string& version) {
  return out_dir() + "/" + name + "/" + version;
}
// HOTSWAP_E2E_PATCHES=diff: the patches `hotswap diff` found by itself; else `hotswap pack`'s.
inline std::string patch(const std::string& name, const std::string& from, const std::string& to) {
  const char* kind = std::getenv("HOTSWAP_E2E_PATCHES");
  bool diff = kind && std::string(kind) == "diff";
  return out_dir() + "/" + name + "/" + from + "-" + to + (diff ? ".diff.hsp" : ".hsp");
}

inline bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace e2e

// The answer is evaluated once: on failure the message shows that answer, not a second
// request's.
#define EXPECT_APPLIED(answer)                              \
  do {                                                      \
    std::string a_ = (answer);                              \
    EXPECT_TRUE(e2e::starts_with(a_, "ok applied")) << a_;  \
  } while (0)
#define EXPECT_REFUSED(answer, why)                                   \
  do {                                                                \
    std::string a_ = (answer);                                        \
    EXPECT_TRUE(e2e::starts_with(a_, "refused patch refused")) << a_; \
    EXPECT_NE(a_.find(why), std::string::npos) << a_;                 \
  } while (0)
