#!/usr/bin/env bash
# Installs this build of hotswap into a temporary prefix, then builds the end-to-end
# programs as an outside project that knows only the installed package
# (find_package(hotswap) + hotswap_add_executable), with the given compiler, and runs
# their tests: the patches are made by the installed `hotswap` tool.
#   installed_package_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER [FLAGS PROGRAMS TESTS]
# FLAGS are added to every compile and link (a sanitizer), PROGRAMS limits the programs
# built (a CMake list), TESTS the tests run (a ctest regex).
set -euo pipefail
build=$1 source=$2 cxx=$3 flags=${4:-} only=${5:-} tests=${6:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/hotswap-installed.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source" -B "$work/build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" -DE2E_ONLY="$only" >/dev/null
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if [[ "$flags" == *sanitize=address* ]]; then
  # A patch's instrumented units register again the globals they share with the running
  # program (same names, same addresses): not a one-definition violation.
  export ASAN_OPTIONS=detect_odr_violation=0
fi
ctest --test-dir "$work/build" --output-on-failure ${tests:+-R "$tests"}
