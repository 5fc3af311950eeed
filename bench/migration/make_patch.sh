#!/usr/bin/env bash
# The pause benchmark's patch, made as a user makes one: diff writes transform.cpp and
# refuses; diff again with it, unedited.   make_patch.sh HOTSWAP OLD NEW PATCH
set -euo pipefail
tool=$1 old=$2 new=$3 patch=$4
work=$(mktemp -d "$patch.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$tool" diff "$old" "$new" -o "$work/p.hsp" >/dev/null 2>&1 || true
[[ -f "$work/transform.cpp" ]] || { echo "hotswap diff wrote no transform.cpp" >&2; exit 1; }
"$tool" diff "$old" "$new" -o "$work/p.hsp" --transform "$work/transform.cpp" >/dev/null
mv "$work/p.hsp" "$patch"
