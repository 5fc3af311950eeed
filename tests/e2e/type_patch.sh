#!/usr/bin/env bash
# Makes a patch with a type change the way a user does: `hotswap diff` refuses and writes
# transform.cpp with default transformers; the user reviews it; diff runs again with it.
#   type_patch.sh HOTSWAP OLD NEW PATCH
set -euo pipefail
tool=$1 old=$2 new=$3 patch=$4
dir=$(dirname "$patch")
rm -f "$dir/transform.cpp"
if "$tool" diff "$old" "$new" -o "$patch" >"$patch.txt" 2>&1; then
  echo "expected hotswap diff to ask for a transformer" >&2
  exit 1
fi
[[ -f "$dir/transform.cpp" ]] || { cat "$patch.txt" >&2; exit 1; }
"$tool" diff "$old" "$new" -o "$patch" --transform "$dir/transform.cpp" >>"$patch.txt"
