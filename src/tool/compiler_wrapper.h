// `hotswap cc` and `hotswap c++` (also installed as hotswap-cc and hotswap-c++): compiler
// wrappers any build system can use as CC and CXX (docs/any-build.md). They run the real
// compiler; compiling, they add the flags that make code updateable; linking an executable,
// they add the runtime, its libraries, the link script and the build-id, and then write the
// build record themselves. `hotswap flags` prints those flags for builds that wire them.
#pragma once

#include <string>
#include <vector>

namespace hotswap {

enum class SourceLanguage { kC, kCxx };

// Runs the wrapper for `args` (the compiler's arguments); returns the exit status.
int run_compiler_wrapper(SourceLanguage language, const std::vector<std::string>& args);

struct FlagsOptions {
  bool cflags = false;
  bool ldflags = false;
  bool c = false;           // the link is done by a C compiler driver (adds the C++ library)
  std::string compiler;     // "gcc" or "clang": -fno-ipa-icf is GCC's alone
  std::string source_root;  // for -ffile-prefix-map (default: see default_source_root)
};
int run_flags(const FlagsOptions& options);

// The source root a wrapper compiles against when HOTSWAP_SOURCE_ROOT is not set: the
// nearest directory, from `dir` up, that holds .git, configure, configure.ac or meson.build;
// `dir` itself when none does.
std::string default_source_root(const std::string& dir);

}  // namespace hotswap
