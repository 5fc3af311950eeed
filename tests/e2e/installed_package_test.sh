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
if [[ -z "$flags" ]]; then
  # The compiler wrapper and pkg-config of the installed prefix, without CMake: a plain
  # Makefile's C program builds updateable and runs.
  cp -r "$source/make_programs/counter/v1" "$work/counter"
  make -s -C "$work/counter" CC="$work/prefix/bin/hotswap-cc" >"$work/make.log" 2>&1 || { cat "$work/make.log"; exit 1; }
  [[ -f "$work/counter/counter.hotswap.json" ]] || { echo "hotswap-cc wrote no build record" >&2; exit 1; }
  [[ $(printf 'work 5\nquit\n' | "$work/counter/counter") == 10 ]] || { echo "the wrapped program does not run" >&2; exit 1; }
  pc_dir=$(dirname "$(find "$work/prefix" -name hotswap.pc | head -1)")
  PKG_CONFIG_PATH=$pc_dir pkg-config --libs hotswap | grep -q "$work/prefix/.*libhotswap.a" ||
    { echo "pkg-config names no installed runtime" >&2; exit 1; }
fi
ctest --test-dir "$work/build" --output-on-failure ${tests:+-R "$tests"}
