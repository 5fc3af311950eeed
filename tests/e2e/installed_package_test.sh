#!/usr/bin/env bash
# Installs this build of hotswap into a temporary prefix, then builds the end-to-end
# programs as an outside project that knows only the installed package
# (find_package(hotswap) + hotswap_add_executable), with the given compiler, and runs
# their tests: the patches are made by the installed `hotswap` tool.
#   installed_package_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
set -euo pipefail
build=$1 source=$2 cxx=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/hotswap-installed.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source" -B "$work/build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
ctest --test-dir "$work/build" --output-on-failure
