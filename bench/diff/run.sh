#!/usr/bin/env bash
# Times `hotswap diff` on two builds of a generated ~10k-line program (goal: under 2 s).
#   bench/diff/run.sh [HOTSWAP_TOOL] [LINES]     default tool: build/bin/hotswap
# Builds with the flags hotswap_add_executable uses (without linking the runtime: the diff
# does not need it) and writes the build records with `hotswap record`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/../../build/bin/hotswap}")
lines=${2:-10000}
work=$(mktemp -d /tmp/hotswap-bench-diff.XXXXXX)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$work/src" "$lines"
echo "generated $(cat "$work"/src/v1/*.cpp | wc -l) lines in $(ls "$work"/src/v1 | wc -l) units"
cxxflags="-O2 -g -DNDEBUG"
for v in v1 v2; do
  root="$work/src/$v"
  mkdir -p "$work/build/$v"
  objects=()
  for src in "$root"/*.cpp; do
    obj="$work/build/$v/$(basename "$src").o"
    g++ -std=c++20 $cxxflags -ffunction-sections -fdata-sections -fpatchable-function-entry=16,14 \
        -fno-lto -fno-ipa-icf "-ffile-prefix-map=$root/=" -c "$src" -o "$obj" &
    objects+=("$obj")
    (( $(jobs -r | wc -l) >= 2 )) && wait -n
  done
  wait
  g++ -Wl,--build-id=sha1 "${objects[@]}" -o "$work/build/$v/prog"
  "$tool" record --binary "$work/build/$v/prog" --compiler "GNU $(g++ -dumpfullversion)" \
      --flags "$cxxflags" --source-root "$root" --objects "${objects[@]}"
done
best=0
for run in 1 2 3; do
  start=$(date +%s%N)
  "$tool" diff "$work/build/v1/prog" "$work/build/v2/prog" -o "$work/p.hsp" > "$work/out.txt"
  t=$(( $(date +%s%N) - start ))
  (( best == 0 || t < best )) && best=$t
done
grep -E "^functions in the patch|^patch" "$work/out.txt"
printf 'hotswap diff: best of 3: %d.%03d s\n' $((best / 1000000000)) $(((best / 1000000) % 1000))
