#!/usr/bin/env bash
# seeds.sh FUZZER CORPUS_DIR: copies seed inputs for a fuzzer (from ../shared/testdata and
# tests/fuzz/seeds/<fuzzer>/) into its corpus folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
name=$1
corpus=$2
testdata="$root/../shared/testdata"
case "$name" in
  mp4_*|packager_split_fuzzer) [ -d "$testdata" ] && find "$testdata" -name '*.mp4' -o -name '*.m4s' -o -name '*.m4v' -o -name '*.m4i' -o -name '*.cmfv' \
      | while read -r f; do cp -n "$f" "$corpus/" 2>/dev/null || true; done ;;
esac
if [ -d "$root/tests/fuzz/seeds/$name" ]; then
  cp -n "$root/tests/fuzz/seeds/$name/"* "$corpus/" 2>/dev/null || true
fi
