#!/usr/bin/env bash
# Makes a patch with a type change the way a user does: `hotswap diff` refuses and writes
# transform.cpp with default transformers; the user reviews it; diff runs again with it.
# Each patch is made in its own scratch folder (diff writes transform.cpp next to the
# patch, and two patches of one program are made in parallel); the transform file used is
# kept as PATCH.transform.cpp.
#   type_patch.sh HOTSWAP OLD NEW PATCH
set -euo pipefail
tool=$1 old=$2 new=$3 patch=$4
work=$(mktemp -d "$patch.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
if "$tool" diff "$old" "$new" -o "$work/p.hsp" >"$patch.txt" 2>&1; then
  echo "expected hotswap diff to ask for a transformer" >&2
  exit 1
fi
[[ -f "$work/transform.cpp" ]] || { cat "$patch.txt" >&2; exit 1; }
"$tool" diff "$old" "$new" -o "$work/p.hsp" --transform "$work/transform.cpp" >>"$patch.txt"
cp "$work/transform.cpp" "$patch.transform.cpp"
mv "$work/p.hsp" "$patch"
